"""Time one training epoch of a chainrule-generated module against the alternatives.

    python3 bench/train_epoch.py [--repeats 15]

Workloads: digits 64-32-10 (sigmoid, softmax + cross-entropy, batch 32); synthetic
10000×784 data on 784-256-10 (relu, softmax + cross-entropy, batch 128); XOR 2-2-1 (sigmoid,
squared error, full batch, 1000 steps). Contenders, run interleaved, medians reported with
the spread of their ratio to the fast module (25th–75th percentile over the rounds): the
generated module in its fast style (the reference) and in its lesson style; a hand-written
NumPy trainer (below, tuned by hand: flat
parameter and momentum buffers, preallocated work arrays, out= everywhere); scikit-learn's
MLPClassifier configured identically (sgd, momentum, no Nesterov, alpha 0, same batch and rate,
one epoch per warm-started fit); PyTorch eager and the generated torch target when torch is
importable (both timed in a process of their own, see torch_in_child); and the matmuls
alone (the floor: every product of forward and backward pass, nothing else). All record
the loss per epoch as the generated module does: accumulated over the epoch's batches.
Not a test.

Fairness, both ways: the contenders run in a new seeded random order every round, as a
fixed order favoured whichever ran right after another gathering the same X (its rows then
came from cache: the hand-written trainer ran right after the generated module) and taxed
whichever ran right after scikit-learn (whose BLAS threads still spin); both NumPy trainers
gather shuffled rows with np.take(..., mode="clip"), which skips the bounds check's
temporary copy; both compute the loss of every batch and shuffle the rows every epoch
(none when one batch holds them all). The generated module is called once per epoch, as
scikit-learn's warm-started fit is: each call's start (copying the parameters in, seeding
the shuffle) is part of its time, while the hand-written trainer keeps its state.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere: chainrule is the repo itself
    sys.path.insert(0, str(REPO))


def generated(net, style: str = "fast", target: str = "numpy"):
    """The module chainrule generates for ``net`` in that style, loaded."""
    from codegen.emit import render
    from codegen.loader import load_source

    return load_source(render(net, style=style, target=target), f"{style}_{target}")


class HandMLP:
    """A two-layer NumPy MLP trainer, written by hand for speed (same maths as generated).

    Everything the generated module does, and what a person tuning by hand would add: buffers
    kept across epochs (the shuffled copy of the data too), batch views made once, no
    temporaries on the hot path, the softmax's log-sum-exp reused by the loss, the momentum
    step in four in-place passes, no shuffle when one batch holds every row, and shuffled
    rows gathered batch by batch when the data outgrows the cache.
    """

    def __init__(self, sizes, hidden, output, batch, n, lr, momentum, mean, seed=0):
        (i, h, o), self.hidden, self.output = sizes, hidden, output
        self.lr, self.momentum, self.mean, self.batch, self.n = lr, momentum, mean, batch, n
        self.theta = np.zeros(i * h + h + h * o + o)
        self.grad, self.v = np.zeros_like(self.theta), np.zeros_like(self.theta)
        self.W1, self.b1, self.W2, self.b2 = self._split(self.theta, i, h, o)
        self.gW1, self.gb1, self.gW2, self.gb2 = self._split(self.grad, i, h, o)
        self.work = {m: self._buffers(m, h, o) for m in {batch, n % batch or batch}}
        self.rng = np.random.default_rng(seed)
        self.Xe = self.Ye = self.batches = None

    @staticmethod
    def _split(flat, i, h, o):
        a, b, c = i * h, i * h + h, i * h + h + h * o
        return (flat[:a].reshape(i, h), flat[a:b], flat[b:c].reshape(h, o), flat[c:])

    @staticmethod
    def _buffers(m, h, o):
        # z1, a1, delta1, scratch1, z2, a2, delta2, lse2
        return (*(np.empty((m, h)) for _ in range(4)), *(np.empty((m, o)) for _ in range(3)),
                np.empty((m, 1)))

    def set(self, params):
        for view, key in zip((self.W1, self.b1, self.W2, self.b2), ("W1", "b1", "W2", "b2"),
                             strict=True):
            view[...] = params[key]

    def _step(self, X, Y, buf):
        z1, a1, d1, s1, z2, a2, d2, lse = buf
        W1, W2 = self.W1, self.W2
        np.matmul(X, W1, out=z1)
        z1 += self.b1
        if self.hidden == "sigmoid":
            np.multiply(z1, 0.5, out=a1)
            np.tanh(a1, out=a1)
            a1 += 1
            a1 *= 0.5
        else:
            np.maximum(z1, 0, out=a1)
        np.matmul(a1, W2, out=z2)
        z2 += self.b2
        if self.output == "softmax":
            z2.max(axis=1, keepdims=True, out=lse)
            np.subtract(z2, lse, out=a2)
            np.exp(a2, out=a2)
            rowsum = a2.sum(axis=1, keepdims=True)
            a2 /= rowsum
            lse += np.log(rowsum)
            np.subtract(lse, z2, out=d2)  # the loss, Σ y ⊙ (lse - z); d2 is free until below
            d2 *= Y
            loss = d2.sum()
            np.subtract(a2, Y, out=d2)
        else:  # squared error after a sigmoid: E = Σ (a - y)², delta2 = 2 (a - y) a (1 - a)
            np.multiply(z2, 0.5, out=a2)
            np.tanh(a2, out=a2)
            a2 += 1
            a2 *= 0.5
            np.subtract(a2, Y, out=d2)
            loss = np.vdot(d2, d2)
            d2 *= a2
            np.subtract(1, a2, out=z2)
            d2 *= z2
            d2 *= 2
        if self.mean:
            d2 /= len(X)
        np.matmul(a1.T, d2, out=self.gW2)
        d2.sum(axis=0, out=self.gb2)
        np.matmul(d2, W2.T, out=d1)
        if self.hidden == "sigmoid":
            d1 *= a1
            np.subtract(1, a1, out=s1)
            d1 *= s1
        else:
            np.greater(z1, 0, out=s1)
            d1 *= s1
        np.matmul(X.T, d1, out=self.gW1)
        d1.sum(axis=0, out=self.gb1)
        v, grad = self.v, self.grad
        v *= self.momentum  # v holds the step lr * velocity
        grad *= self.lr
        v -= grad
        self.theta += v
        return loss

    def epoch(self, X, Y, shuffle=True):
        n, batch = len(X), self.batch
        shuffle = shuffle and batch < n
        by_batch = shuffle and X.nbytes + Y.nbytes > 2**23  # gather rows a batch at a time
        if self.batches is None:
            if by_batch:
                bufs = {m: (np.empty((m, X.shape[1])), np.empty((m, Y.shape[1])))
                        for m in self.work}
            else:
                self.Xe, self.Ye = (np.empty_like(X), np.empty_like(Y)) if shuffle else (X, Y)
            self.batches = []
            for s in range(0, n, batch):
                rows, m = slice(s, s + batch), min(batch, n - s)
                xy = bufs[m] if by_batch else (self.Xe[rows], self.Ye[rows])
                self.batches.append((rows, *xy, self.work[m]))
        if shuffle:
            order = self.rng.permutation(n)
        if shuffle and not by_batch:
            np.take(X, order, axis=0, out=self.Xe, mode="clip")
            np.take(Y, order, axis=0, out=self.Ye, mode="clip")
        step, take, total = self._step, np.take, 0.0
        for rows, xb, yb, buf in self.batches:
            if by_batch:
                take(X, order[rows], axis=0, out=xb, mode="clip")
                take(Y, order[rows], axis=0, out=yb, mode="clip")
            total += step(xb, yb, buf)
        return total / n if self.mean else total


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


def blas_threads() -> int:
    """The threads NumPy's BLAS uses by default (threadpoolctl's answer, else the CPU count)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return blas[0] if blas else os.cpu_count() or 1


def torch_epoch(sizes, hidden, output, batch, lr, mean, params, X, Y):
    """One epoch of the same network in PyTorch eager, or None when torch is not installed.

    Same start (the generated module's initial parameters), activations, loss, batch size,
    rate, momentum (torch's v ← m v + ∇, θ ← θ − ε v is the same update), float64, as many
    intra-op threads as NumPy's BLAS has; the loss accumulated batch by batch; no shuffle
    when one batch holds every row, as the generated module does.
    """
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(blas_threads())
    i, h, o = sizes
    act = torch.nn.Sigmoid() if hidden == "sigmoid" else torch.nn.ReLU()
    layers = [torch.nn.Linear(i, h), act, torch.nn.Linear(h, o)]
    if output == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers).double()
    with torch.no_grad():
        for linear, l in ((layers[0], 1), (layers[2], 2)):
            linear.weight.copy_(torch.from_numpy(params[f"W{l}"].T))
            linear.bias.copy_(torch.from_numpy(params[f"b{l}"]))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    tx = torch.from_numpy(X)
    if output == "softmax":
        ty = torch.from_numpy(np.argmax(Y, axis=1))
        loss_fn = torch.nn.CrossEntropyLoss(reduction="mean" if mean else "sum")
    else:
        ty = torch.from_numpy(np.ascontiguousarray(Y, dtype=np.float64))
        loss_fn = torch.nn.MSELoss(reduction="mean" if mean else "sum")
    n = len(tx)
    batches = [slice(start, start + batch) for start in range(0, n, batch)]

    def run():
        xs, ys = tx, ty
        if batch < n:
            order = torch.randperm(n)
            xs, ys = tx[order], ty[order]
        total = torch.zeros((), dtype=torch.float64)
        for rows in batches:
            opt.zero_grad()
            loss = loss_fn(model(xs[rows]), ys[rows])
            loss.backward()
            opt.step()
            total += loss.detach() * (len(xs[rows]) if mean else 1)
        return total.item() / n if mean else total.item()

    return run


def workloads():
    from derive import spec as specs
    from derive.network import Dense, Network

    digits = specs.load("digits")
    X = digits.data["x"]
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    yield ("digits 64-32-10, batch 32", digits, X, digits.data["y"],
           dict(batch=32, lr=0.1, hidden="sigmoid", output="softmax", mean=True, epochs=1))
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(10000, 784))
    Ys = np.eye(10)[rng.integers(0, 10, 10000)]
    net = Network(784, [Dense(256, "relu"), Dense(10, "softmax")],
                  loss={"kind": "categorical_cross_entropy", "reduce_examples": "mean"},
                  name="synthetic")
    yield ("synthetic 784-256-10, batch 128", net, Xs, Ys,
           dict(batch=128, lr=0.01, hidden="relu", output="softmax", mean=True, epochs=1))
    xor = specs.load("xor_gate")
    yield ("XOR 2-2-1, full batch, 1000 steps", xor, xor.data["x"],
           xor.data["y"], dict(batch=4, lr=1.0, hidden="sigmoid", output="sigmoid",
                               mean=False, epochs=1000))


NOTES = """notes:
  scikit-learn cannot train the XOR net as specified: MLPClassifier's logistic output is
  trained on log-loss (binary cross-entropy), and MLPRegressor's squared error has an
  identity output; it runs MLPClassifier (sigmoid hidden and output, log-loss) instead.
  PyTorch eager: same initial parameters, activations, loss (cross-entropy on softmax logits;
  summed squared error after a sigmoid for XOR), SGD momentum 0.9, float64."""


def thread_pools() -> str:
    """The thread pools of NumPy's BLAS (and torch's OpenMP, when loaded), as threadpoolctl
    reports them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{pool['internal_api']} {pool.get('architecture', '')} "
                     f"{pool['num_threads']} threads".replace("  ", " ")
                     for pool in threadpool_info())


def bench(repeats: int, only: str | None = None) -> None:
    print(f"{'workload':<36} {'contender':<22} {'median ms':>10} {'vs fast':>9} "
          f"{'spread (p25-p75)':>17}")
    # Every data set is made before any PyTorch process runs: made after one, the 62 MB
    # synthetic X (which NumPy asks to back with huge pages) came out twice as slow to use.
    for index, (title, net, X, Y, cfg) in enumerate(list(workloads())):
        if only is None or any(word in title.lower() for word in only.split(",")):
            bench_workload(index, title, net, X, Y, cfg, repeats)
    torch_threads = ""
    if importlib.util.find_spec("torch") is not None:
        torch_threads = f"; PyTorch (own process): torch.set_num_threads({blas_threads()})"
    print(f"thread pools: {thread_pools()}{torch_threads}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(NOTES)


def torch_in_child(index: int, repeats: int) -> dict[str, list[float]] | None:
    """PyTorch eager's and the torch target's epoch times on workload ``index``, measured in
    a process of their own, interleaved.

    Its OpenMP workers spin for a while after each operation (OMP_WAIT_POLICY active): in
    this process they would take the second core from whichever contender ran next (it
    slows the generated module's digits epoch by half). Apart, neither disturbs the other.
    """
    if importlib.util.find_spec("torch") is None:
        return None
    out = subprocess.run([sys.executable, __file__, "--torch-only", str(index), "--repeats",
                          str(repeats)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def torch_only(index: int, repeats: int) -> None:
    """Print, as JSON, PyTorch eager's and the torch target's times of ``repeats`` runs of
    workload ``index``."""
    import torch

    title, net, X, Y, cfg = list(workloads())[index]
    module, target = generated(net), generated(net, "lesson", "torch")
    sizes = (X.shape[1], *module.LAYER_UNITS)
    run = torch_epoch(sizes, cfg["hidden"], cfg["output"], cfg["batch"], cfg["lr"],
                      cfg["mean"], module.init_params(0), X, Y)
    params, tx, ty = target.init_params(0), torch.from_numpy(X), torch.from_numpy(Y)
    runs = {
        "PyTorch eager": lambda: [run() for _ in range(cfg["epochs"])],
        "torch target": lambda: target.train(params, tx, ty, epochs=cfg["epochs"],
                                             learning_rate=cfg["lr"], batch_size=cfg["batch"],
                                             momentum=0.9, shuffle=True, standardize=False),
    }
    times = {name: [] for name in runs}
    for name in runs:
        runs[name]()  # warm up, as the interleaved contenders are by the rounds before theirs
    for _ in range(repeats):
        for name, call in runs.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    print(json.dumps(times))


def bench_workload(index, title, net, X, Y, cfg, repeats):
    """Time every contender on one workload, interleaved; print medians and ratios."""
    module, lesson = generated(net), generated(net, "lesson")
    sizes = (X.shape[1], *module.LAYER_UNITS)
    params = module.init_params(0)
    epochs, batch, lr = cfg["epochs"], cfg["batch"], cfg["lr"]
    hand = HandMLP(sizes, cfg["hidden"], cfg["output"], batch, len(X), lr, 0.9, cfg["mean"])
    hand.set(params)
    contenders = {
        "fast": lambda: module.train(params, X, Y, epochs=epochs, learning_rate=lr,
                                     batch_size=batch, momentum=0.9, shuffle=True,
                                     standardize=False),
        "lesson": lambda: lesson.train(params, X, Y, epochs=epochs, learning_rate=lr,
                                       batch_size=batch, momentum=0.9, shuffle=True,
                                       standardize=False),
        "hand-written NumPy": lambda: [hand.epoch(X, Y) for _ in range(epochs)],
    }
    labels = np.argmax(Y, axis=1) if Y.shape[1] > 1 else Y[:, 0]
    contenders["scikit-learn"] = sklearn_epoch(
        sizes[1], "logistic" if cfg["hidden"] == "sigmoid" else "relu", batch, lr, X,
        labels, epochs)
    floor = matmul_floor(sizes, batch, X)
    contenders["matmuls alone"] = lambda: [floor() for _ in range(epochs)]
    times = {name: [] for name in contenders}
    names, shuffler = list(contenders), np.random.default_rng(index)
    for _ in range(repeats):
        # A new (seeded) order every round: no contender always follows the same other one,
        # whose run leaves the shared X in cache, or evicts it, or leaves BLAS threads spinning.
        for name in shuffler.permutation(names):
            start = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["fast"])
    # Per-round ratios to fast (same round) for the interleaved contenders; the torch ones,
    # timed apart, against fast's median.
    ratios = {name: [t / f for t, f in zip(samples, times["fast"], strict=True)]
              for name, samples in times.items()}
    torch_times = torch_in_child(index, repeats) or {}
    for name, samples in torch_times.items():
        times[name] = samples
        ratios[name] = [t / base for t in samples]
    med = {name: statistics.median(samples) for name, samples in times.items()}
    for name, value in med.items():
        low, _, high = statistics.quantiles(ratios[name], n=4) if len(ratios[name]) > 1 \
            else (ratios[name][0],) * 3
        print(f"{title:<36} {name:<22} {value * 1e3:>10.2f} {value / base:>8.2f}x "
              f"{low:>8.2f}-{high:.2f}")
    torch_ratio = "".join(f", {name}/fast {med[name] / base:.2f}" for name in torch_times)
    print(f"{'':<36} fast/hand {base / med['hand-written NumPy']:.3f}, lesson/fast "
          f"{med['lesson'] / base:.2f}, sklearn/fast {med['scikit-learn'] / base:.2f}"
          f"{torch_ratio}, fast/matmul floor {base / med['matmuls alone']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", metavar="WORDS",
                        help="the workloads whose title holds one of these comma-separated "
                        "words (digits, synthetic, xor); all by default")
    parser.add_argument("--torch-only", type=int, metavar="WORKLOAD", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_only is not None:
        torch_only(args.torch_only, args.repeats)
    else:
        bench(args.repeats, args.only)


if __name__ == "__main__":
    main()
