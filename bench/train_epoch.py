"""Time one training epoch of a chainrule-generated module against the alternatives.

    python3 bench/train_epoch.py [--repeats 15]

Workloads: digits 64-32-10 (sigmoid, softmax + cross-entropy, batch 32); synthetic
10000×784 data on 784-256-10 (relu, softmax + cross-entropy, batch 128); XOR 2-2-1 (sigmoid,
squared error, full batch, 1000 steps). Contenders, run interleaved, medians reported: the
generated module; a hand-written NumPy trainer (below, as fast as I could make it: flat
parameter and momentum buffers, preallocated work arrays, out= everywhere); scikit-learn's
MLPClassifier configured identically (sgd, momentum, no Nesterov, alpha 0, same batch and rate,
one epoch per warm-started fit); PyTorch eager when importable; and the matmuls alone (the
floor: every product of forward and backward pass, nothing else). All record the loss per
epoch as the generated module does: accumulated over the epoch's batches. Not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere: chainrule is the repo itself
    sys.path.insert(0, str(REPO))


def load_generated(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "generated" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HandMLP:
    """A two-layer NumPy MLP trainer, written by hand for speed (same maths as generated)."""

    def __init__(self, sizes, hidden, output, batch, n, lr, momentum, mean, seed=0):
        (i, h, o), self.hidden, self.output = sizes, hidden, output
        self.lr, self.momentum, self.mean, self.batch = lr, momentum, mean, batch
        self.theta = np.zeros(i * h + h + h * o + o)
        self.grad, self.v = np.zeros_like(self.theta), np.zeros_like(self.theta)
        self.W1, self.b1, self.W2, self.b2 = self._split(self.theta, i, h, o)
        self.gW1, self.gb1, self.gW2, self.gb2 = self._split(self.grad, i, h, o)
        self.work = {m: self._buffers(m, h, o) for m in {batch, n % batch or batch}}
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def _split(flat, i, h, o):
        a, b, c = i * h, i * h + h, i * h + h + h * o
        return (flat[:a].reshape(i, h), flat[a:b], flat[b:c].reshape(h, o), flat[c:])

    @staticmethod
    def _buffers(m, h, o):
        return (np.empty((m, h)), np.empty((m, h)), np.empty((m, o)), np.empty((m, o)))

    def set(self, params):
        for view, key in zip((self.W1, self.b1, self.W2, self.b2), ("W1", "b1", "W2", "b2"),
                             strict=True):
            view[...] = params[key]

    def _forward(self, X, buf):
        z1, a1, z2, a2 = buf
        np.matmul(X, self.W1, out=z1)
        z1 += self.b1
        if self.hidden == "sigmoid":
            np.multiply(z1, 0.5, out=a1)
            np.tanh(a1, out=a1)
            a1 *= 0.5
            a1 += 0.5
        else:
            np.maximum(z1, 0, out=a1)
        np.matmul(a1, self.W2, out=z2)
        z2 += self.b2
        if self.output == "softmax":
            np.subtract(z2, z2.max(axis=1, keepdims=True), out=a2)
            np.exp(a2, out=a2)
            a2 /= a2.sum(axis=1, keepdims=True)
        else:
            np.multiply(z2, 0.5, out=a2)
            np.tanh(a2, out=a2)
            a2 *= 0.5
            a2 += 0.5

    def _step(self, X, Y):
        buf = self.work[len(X)]
        z1, a1, d2, a2 = buf  # delta2 reuses z2's array
        self._forward(X, buf)
        d1 = z1  # z1 is not needed again: reuse it for delta1
        loss = self._loss(buf[2], a2, Y)  # before d2 (stored in z2's place) overwrites z2
        if self.output == "softmax":
            np.subtract(a2, Y, out=d2)
        else:  # squared error, sigmoid: 2 (a − y) a (1 − a)
            np.subtract(a2, Y, out=d2)
            d2 *= a2
            d2 *= 1 - a2
            d2 *= 2
        if self.mean:
            d2 /= len(X)
        np.matmul(a1.T, d2, out=self.gW2)
        d2.sum(axis=0, out=self.gb2)
        np.matmul(d2, self.W2.T, out=d1)
        if self.hidden == "sigmoid":
            d1 *= a1
            d1 *= 1 - a1
        else:
            d1 *= a1 > 0
        np.matmul(X.T, d1, out=self.gW1)
        d1.sum(axis=0, out=self.gb1)
        self.v *= self.momentum
        self.v -= self.grad
        self.theta += self.lr * self.v
        return loss

    def _loss(self, z2, a2, Y):
        if self.output == "softmax":
            top = z2.max(axis=1, keepdims=True)
            lse = top + np.log(np.sum(np.exp(z2 - top), axis=1, keepdims=True))
            return np.sum(Y * (lse - z2))  # summed; the epoch divides by n
        return np.sum((a2 - Y) ** 2)

    def epoch(self, X, Y, shuffle=True):
        if shuffle:
            order = self.rng.permutation(len(X))
            X, Y = X[order], Y[order]
        total = 0.0
        for start in range(0, len(X), self.batch):
            total += self._step(X[start : start + self.batch], Y[start : start + self.batch])
        return total / len(X) if self.mean else total


def matmul_floor(sizes, batch, X):
    """One epoch of only the matrix products a training step needs."""
    i, h, o = sizes
    W1, W2 = np.ones((i, h)) * 0.01, np.ones((h, o)) * 0.01
    gW1, gW2 = np.empty_like(W1), np.empty_like(W2)
    bufs = {m: (np.empty((m, h)), np.empty((m, o))) for m in {batch, len(X) % batch or batch}}

    def run():
        for start in range(0, len(X), batch):
            xb = X[start : start + batch]
            a1, a2 = bufs[len(xb)]
            np.matmul(xb, W1, out=a1)
            np.matmul(a1, W2, out=a2)
            np.matmul(a1.T, a2, out=gW2)
            np.matmul(a2, W2.T, out=a1)
            np.matmul(xb.T, a1, out=gW1)

    return run


def sklearn_epoch(hidden, act, batch, lr, X, labels, epochs=1):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation=act, solver="sgd",
                        momentum=0.9, nesterovs_momentum=False, alpha=0.0, batch_size=batch,
                        learning_rate_init=lr, max_iter=epochs, warm_start=True, shuffle=True,
                        tol=0.0, n_iter_no_change=10**9, random_state=0)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, labels)

    return run


def torch_epoch(sizes, hidden, batch, lr, X, Y):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    i, h, o = sizes
    act = torch.nn.Sigmoid() if hidden == "sigmoid" else torch.nn.ReLU()
    model = torch.nn.Sequential(torch.nn.Linear(i, h), act, torch.nn.Linear(h, o)).double()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    tx, ty = torch.from_numpy(X), torch.from_numpy(np.argmax(Y, axis=1))
    loss_fn = torch.nn.CrossEntropyLoss()

    def run():
        order = torch.randperm(len(tx))
        for start in range(0, len(tx), batch):
            idx = order[start : start + batch]
            opt.zero_grad()
            loss_fn(model(tx[idx]), ty[idx]).backward()
            opt.step()
        with torch.no_grad():
            loss_fn(model(tx), ty)

    return run


def workloads():
    from codegen.check import module_from_source
    from codegen.emit import render
    from derive import spec as specs
    from derive.network import Dense, Network

    digits = specs.load("digits")
    X = digits.data["x"]
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    yield ("digits 64-32-10, batch 32", load_generated("digits"), X, digits.data["y"],
           dict(batch=32, lr=0.1, hidden="sigmoid", output="softmax", mean=True, epochs=1))
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(10000, 784))
    Ys = np.eye(10)[rng.integers(0, 10, 10000)]
    net = Network(784, [Dense(256, "relu"), Dense(10, "softmax")],
                  loss={"kind": "categorical_cross_entropy", "reduce_examples": "mean"},
                  name="synthetic")
    yield ("synthetic 784-256-10, batch 128", module_from_source(render(net), "synthetic"),
           Xs, Ys, dict(batch=128, lr=0.01, hidden="relu", output="softmax", mean=True,
                        epochs=1))
    xor = specs.load("xor_gate")
    yield ("XOR 2-2-1, full batch, 1000 steps", load_generated("xor_gate"), xor.data["x"],
           xor.data["y"], dict(batch=4, lr=1.0, hidden="sigmoid", output="sigmoid",
                               mean=False, epochs=1000))


def bench(repeats: int) -> None:
    print(f"{'workload':<36} {'contender':<22} {'median ms':>10} {'vs generated':>13}")
    for title, module, X, Y, cfg in workloads():
        bench_workload(title, module, X, Y, cfg, repeats)


def bench_workload(title, module, X, Y, cfg, repeats):
    """Time every contender on one workload, interleaved; print medians and ratios."""
    sizes = (X.shape[1], *module.LAYER_UNITS)
    params = module.init_params(0)
    epochs, batch, lr = cfg["epochs"], cfg["batch"], cfg["lr"]
    hand = HandMLP(sizes, cfg["hidden"], cfg["output"], batch, len(X), lr, 0.9, cfg["mean"])
    hand.set(params)
    contenders = {
        "generated": lambda: module.train(params, X, Y, epochs=epochs, learning_rate=lr,
                                          batch_size=batch, momentum=0.9, shuffle=True,
                                          standardize=False),
        "hand-written NumPy": lambda: [hand.epoch(X, Y) for _ in range(epochs)],
    }
    labels = np.argmax(Y, axis=1) if Y.shape[1] > 1 else Y[:, 0]
    contenders["scikit-learn"] = sklearn_epoch(
        sizes[1], "logistic" if cfg["hidden"] == "sigmoid" else "relu", batch, lr, X,
        labels, epochs)
    run_torch = torch_epoch(sizes, cfg["hidden"], batch, lr, X, Y)
    if run_torch is not None:
        contenders["PyTorch eager"] = lambda: [run_torch() for _ in range(epochs)]
    floor = matmul_floor(sizes, batch, X)
    contenders["matmuls alone"] = lambda: [floor() for _ in range(epochs)]
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["generated"])
    for name, samples in times.items():
        med = statistics.median(samples)
        ratio = f"{med / base:.2f}x"
        print(f"{title:<36} {name:<22} {med * 1e3:>10.2f} {ratio:>13}")
    hand_med = statistics.median(times["hand-written NumPy"])
    floor_med = statistics.median(times["matmuls alone"])
    sk_med = statistics.median(times["scikit-learn"])
    print(f"{'':<36} generated/hand {base / hand_med:.3f}, sklearn/generated "
          f"{sk_med / base:.2f}, generated/matmul floor {base / floor_med:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    bench(parser.parse_args().repeats)


if __name__ == "__main__":
    main()
