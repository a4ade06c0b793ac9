"""Generated training modules: golden files, formatting, determinism, training, the CLI."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from codegen.emit import GENERATED, buildable_examples, regenerate_all, render, write_module
from codegen.loader import load_source
from codegen.sympy_code import NumpyPrinter
from derive import spec as specs
from derive.errors import ChainruleError, SpecError
from derive.network import Dense, Network

REPO = Path(__file__).resolve().parents[2]


def module(net, name="m"):
    """The fast module of ``net``: most tests here are of the tuned module's machinery."""
    return load_source(render(net, style="fast"), name)


def test_generated_modules_are_fresh(tmp_path):
    written = regenerate_all(tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names == sorted(str(p.relative_to(GENERATED)) for p in GENERATED.rglob("*.py"))
    assert any(name.startswith("fast/") for name in names)
    for path in written:
        name = path.relative_to(tmp_path)
        assert path.read_bytes() == (GENERATED / name).read_bytes(), (
            f"generated/{name} is stale; run chainrule codegen --all")


def test_threshold_networks_are_refused_and_only_trainable_examples_generated():
    net = Network(2, [Dense(1, "threshold")])
    with pytest.raises(SpecError, match="threshold"):
        render(net)
    trainable = sorted(name for name in specs.examples()
                       if all(layer.activation != "threshold"
                              for layer in specs.load(name).layers))
    assert buildable_examples() == trainable
    assert sorted(p.stem for p in GENERATED.glob("*.py")) == trainable
    assert sorted(p.stem for p in (GENERATED / "fast").glob("*.py")) == trainable


def test_generation_does_not_depend_on_hash_seed():
    code = "import sys; from codegen.emit import render; from derive.spec import load; " \
           "sys.stdout.write(render(load('digits')) + render(load('keras_2_4_4_1')))"
    outputs = {
        subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert outputs.pop() == render(specs.load("digits")) + render(specs.load("keras_2_4_4_1"))


def test_generated_modules_pass_ruff(tmp_path):
    nets = [
        Network(3, [Dense(4, "relu"), Dense(3, "gaussian", input_function="squared_distance"),
                    Dense(2, "softmax")], loss="hellinger", name="mixed"),
        Network(2, [Dense(2, "softplus", bias=False), Dense(1, "sigmoid")],
                loss="binary_cross_entropy", name="bce", training={"dtype": "float32"}),
    ]
    for net in nets:
        write_module(net, tmp_path / f"{net.name}.py")
    for folder in (GENERATED, tmp_path):
        ruff = [sys.executable, "-m", "ruff"]
        lint = subprocess.run([*ruff, "check", "--no-cache", str(folder)], cwd=REPO,
                              capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout
        fmt = subprocess.run([*ruff, "format", "--check", "--no-cache", str(folder)],
                             cwd=REPO, capture_output=True, text=True)
        assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_write_module_is_atomic_and_names_its_spec(tmp_path):
    path = write_module(specs.load("xor_gate"), tmp_path / "out" / "xor.py", spec="xor_gate",
                        style="fast")
    assert [p.name for p in path.parent.iterdir()] == ["xor.py"]
    text = path.read_text()
    assert "chainrule codegen xor_gate" in text
    assert "# ∂E/∂W⁽²⁾ = O⁽¹⁾ᵀΔ⁽²⁾" in text  # as `derive --delta` prints it (rostock)
    assert "np.matmul(a1.T, delta2, out=grads[\"W2\"])" in text


def test_write_module_reports_unwritable_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SpecError, match="cannot write"):
        write_module(specs.load("xor_gate"), blocker / "x.py")


def test_api_shapes_and_keys():
    m = module(specs.load("digits"))
    params = m.init_params(3)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (64, 32), "b1": (32,), "W2": (32, 10), "b2": (10,)}
    X = np.random.default_rng(0).normal(size=(7, 64))
    Y = np.eye(10)[np.arange(7)]
    out = m.forward(params, X)
    assert out.shape == (7, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert isinstance(m.loss(params, X, Y), float)
    grads = m.gradients(params, X, Y)
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in params.items()}
    assert m.predict(params, X).shape == (7,)


def test_one_full_batch_epoch_is_one_gradient_step():
    m = module(specs.load("xor_gate"))
    net = specs.load("xor_gate")
    X, Y = net.data["x"], net.data["y"]
    params = m.init_params(1)
    grads = m.gradients(params, X, Y)
    new, history = m.train(params, X, Y, epochs=1, learning_rate=0.3, batch_size=None,
                           momentum=0.0)
    for key in params:
        np.testing.assert_allclose(new[key], params[key] - 0.3 * grads[key])
    assert history["loss"] == [pytest.approx(m.loss(params, X, Y))]  # the loss it stepped on
    clipped, _ = m.train(params, X, Y, epochs=1, learning_rate=1.0, momentum=0.0,
                         clip_norm=1e-3)
    step = np.concatenate([(clipped[k] - params[k]).ravel() for k in params])
    assert np.linalg.norm(step) == pytest.approx(1e-3)


def test_momentum_accumulates_velocity():
    m = module(specs.load("or_gate"))
    X, Y = specs.load("or_gate").data["x"], specs.load("or_gate").data["y"]
    p0 = m.init_params(0)
    g0 = m.gradients(p0, X, Y)
    p1 = {k: p0[k] - 0.1 * g0[k] for k in p0}
    g1 = m.gradients(p1, X, Y)
    p2, _ = m.train(p0, X, Y, epochs=2, learning_rate=0.1, batch_size=None, momentum=0.9)
    for key in p0:
        np.testing.assert_allclose(p2[key], p1[key] - 0.1 * (0.9 * g0[key] + g1[key]))


def test_standardisation_is_kept_with_params_but_not_trained():
    net = specs.load("iris_4_3_2")
    m = module(net)
    X, Y = net.data["x"], net.data["y"]
    params, _ = m.train(m.init_params(0), X, Y, epochs=2, standardize=True)
    np.testing.assert_allclose(params["x_mean"], X.mean(axis=0))
    assert set(m.gradients(params, X, Y)) == {"W1", "b1", "W2", "b2"}
    plain = {k: params[k] for k in ("W1", "b1", "W2", "b2")}
    scaled = (X - params["x_mean"]) / params["x_scale"]
    np.testing.assert_allclose(m.forward(params, X), m.forward(plain, scaled))


def test_float32_on_request():
    net = Network(2, [Dense(3, "tanh"), Dense(1, "sigmoid")], loss="binary_cross_entropy",
                  training={"dtype": "float32"}, data={"x": [[0, 1], [1, 0]], "y": [[1], [0]]})
    m = module(net)
    params, history = m.train(m.init_params(0), net.data["x"], net.data["y"], epochs=3)
    assert all(v.dtype == np.float32 for v in params.values())
    assert len(history["loss"]) == 3


@pytest.mark.parametrize("bad", [{"dtype": "float16"}, {"init": "zeros"},
                                 {"learning_rate": -1}, {"epochs": 1.5}, {"epochs": 0},
                                 {"epochs": -5}, {"batch_size": 0}, {"batch_size": 2.5},
                                 {"print_every": 0}, {"momentum": 1}, {"momentum": 5},
                                 {"standardize": "yes"}, {"shuffle": 1}])
def test_bad_training_settings_are_spec_errors(bad):
    with pytest.raises(SpecError):
        render(Network(1, [Dense(1, "sigmoid")], training=bad))


def test_train_refuses_an_empty_batch():
    m = module(specs.load("xor_gate"))
    net = specs.load("xor_gate")
    with pytest.raises(ValueError, match="batch_size is 0"):
        m.train(m.init_params(0), net.data["x"], net.data["y"], epochs=1, batch_size=0)


@pytest.mark.parametrize("name", ["or_gate", "xor_gate"])
def test_gates_train_below_1e2(name):
    net = specs.load(name)
    m = module(net)
    _, history = m.train(m.init_params(m.SEED), net.data["x"], net.data["y"])
    assert history["loss"][-1] < 1e-2


def test_digits_reach_95_percent_held_out_quickly():
    net = specs.load("digits")
    m = module(net)
    X, Y = net.data["x"], net.data["y"]
    order = np.random.default_rng(1).permutation(len(X))
    test, fit = order[:360], order[360:]
    start = time.perf_counter()
    params, _ = m.train(m.init_params(0), X[fit], Y[fit])
    assert time.perf_counter() - start < 60
    accuracy = np.mean(m.predict(params, X[test]) == np.argmax(Y[test], axis=1))
    assert accuracy >= 0.95


def test_generated_script_runs_standalone(tmp_path):
    target = tmp_path / "xor_gate.py"
    shutil.copy(GENERATED / "xor_gate.py", target)
    result = subprocess.run([sys.executable, "-I", str(target)], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    assert "final loss" in result.stdout
    assert "training accuracy 100.0%" in result.stdout


def test_codegen_command_writes_and_check_command_reports(tmp_path, capsys):
    import argparse

    from codegen.cli import codegen as codegen_cmd

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    codegen_cmd.COMMAND.add_to(sub)
    codegen_cmd.CHECK.add_to(sub)
    args = parser.parse_args(["codegen", "or_gate", "-o", str(tmp_path / "or.py")])
    assert args.func(args) == 0
    args = parser.parse_args(["check", str(tmp_path / "or.py")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "W1" in out and "ok:" in out
    for argv in (["codegen", "no_such_example"], ["check", "missing.py"], ["codegen"]):
        args = parser.parse_args(argv)
        with pytest.raises(ChainruleError):
            args.func(args)


def test_element_wise_code_is_built_in_place():
    # Each statement writes the target array itself: a call with out=target, or an
    # augmented assignment; the sigmoid is its tanh form, (tanh(z/2) + 1)/2, step by step.
    import sympy as sp

    from codegen.fast_elementwise import network_code

    code = network_code(specs.load("xor_gate"))
    assert code.layers[0].output == ["np.multiply(z1, 0.5, out=a1)", "np.tanh(a1, out=a1)",
                                     "a1 += 1", "a1 *= 0.5"]
    for line in code.delta:
        assert line.startswith("delta2 ") or line.endswith("out=delta2)"), line
    z = sp.Symbol("z1")
    assert NumpyPrinter().doprint_into(sp.exp(z) / 3, "a1") == ["np.exp(z1, out=a1)",
                                                                 "a1 /= 3"]
    # A target that its own expression reads cannot be built in place: one call, as before.
    a = sp.Symbol("a1")
    (line,) = NumpyPrinter().doprint_into(a * (1 - a), "a1")
    a1 = np.array([0.25, 0.5, 2.0])
    exec(line, {"np": np, "a1": a1})
    np.testing.assert_array_equal(a1, [0.1875, 0.25, -2.0])


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "softplus", "gaussian"])
@pytest.mark.parametrize("output,kind", [("sigmoid", "squared_error"),
                                         ("sigmoid", "binary_cross_entropy"),
                                         ("softmax", "categorical_cross_entropy"),
                                         ("softmax", "hellinger"), ("tanh", "squared_error")])
def test_in_place_forward_matches_the_expressions(hidden, output, kind):
    # The in-place statement sequences against SymPy's own lambdify of the registry forms.
    import sympy as sp

    from derive.activations import get_activation

    units = 3 if output == "softmax" else 1
    net = Network(2, [Dense(4, hidden), Dense(units, output)], loss=kind, name="inplace")
    m = module(net)
    params = m.init_params(2)
    X = np.random.default_rng(0).normal(scale=3, size=(7, 2))
    z1 = X @ params["W1"] + params["b1"]
    zs = sp.symbols("z0:4")
    f = sp.lambdify(zs[0], get_activation(hidden).define(zs[0]), "numpy")
    a1 = np.vectorize(f)(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    if output == "softmax":
        expected = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    else:
        g = sp.lambdify(zs[0], get_activation(output).define(zs[0]), "numpy")
        expected = np.vectorize(g)(z2)
    np.testing.assert_allclose(m.forward(params, X), expected, rtol=1e-12, atol=1e-15)


def test_softmax_loss_reuses_the_forward_log_sum_exp():
    # The loss of a softmax output reads lse2, which the forward pass leaves behind; the
    # per-epoch history (batch by batch, uneven last batch) must still be E over all rows.
    m = module(specs.load("digits"))
    source = render(specs.load("digits"), style="fast")
    assert "def _logsumexp" not in source and "np.subtract(lse2, z2, out=delta2)" in source
    net = specs.load("digits")
    X, Y = net.data["x"][:70], net.data["y"][:70]
    params = m.init_params(0)
    # A rate of 1e-300 (it must be above 0) leaves the parameters as they were.
    _, history = m.train(params, X, Y, epochs=2, learning_rate=1e-300, batch_size=32,
                         standardize=False)
    assert history["loss"] == [pytest.approx(m.loss(params, X, Y), rel=1e-12)] * 2
    big = {**params, "W2": params["W2"] * 1e4}  # rows whose exp would overflow unshifted
    with np.errstate(over="raise", invalid="raise"):
        value = m.loss(big, X, Y)
    assert np.isfinite(value) and value > 0


def test_one_batch_of_all_rows_is_not_shuffled():
    # Its gradient does not depend on the order of the rows: shuffling would only cost time.
    net = specs.load("xor_gate")
    m = module(net)
    X, Y = net.data["x"], net.data["y"]
    kept, _ = m.train(m.init_params(0), X, Y, epochs=5, batch_size=4, momentum=0.9,
                      shuffle=False)
    shuffled, _ = m.train(m.init_params(0), X, Y, epochs=5, batch_size=None, momentum=0.9,
                          shuffle=True)
    for key in kept:
        np.testing.assert_array_equal(kept[key], shuffled[key])


def _sgd_by_hand(m, p0, X, Y, epochs, rate, batch, momentum, seed):
    """v ← m v - ∇E(batch), θ ← θ + ε v over seeded shuffles, with gradients() and losses."""
    rng, theta = np.random.default_rng(seed), {k: v.copy() for k, v in p0.items()}
    velocity = {k: np.zeros_like(v) for k, v in p0.items()}
    losses = []
    for _ in range(epochs):
        order, total = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), batch):
            rows = order[start : start + batch]
            total += m.loss(theta, X[rows], Y[rows]) * len(rows)
            grads = m.gradients(theta, X[rows], Y[rows])
            for k in theta:
                velocity[k] = momentum * velocity[k] - grads[k]
                theta[k] = theta[k] + rate * velocity[k]
        losses.append(total / len(X))
    return theta, losses


@pytest.mark.parametrize("rows,inputs", [(50, 4), (2100, 500)])
def test_minibatch_momentum_matches_the_update_rule(rows, inputs):
    # Small data is shuffled as one copy an epoch; data past 8 MiB (2100 x 500 doubles),
    # batch by batch into buffers: both must be the same seeded minibatch SGD with momentum.
    rng = np.random.default_rng(0)
    net = Network(inputs, [Dense(3, "sigmoid"), Dense(2, "softmax")],
                  loss={"kind": "categorical_cross_entropy", "reduce_examples": "mean"},
                  name="minibatch")
    m = module(net)
    X, Y = rng.normal(size=(rows, inputs)), np.eye(2)[rng.integers(0, 2, rows)]
    p0 = m.init_params(0)
    batch = 16 if rows < 100 else 512
    trained, history = m.train(p0, X, Y, epochs=2, learning_rate=0.05, batch_size=batch,
                               momentum=0.8, seed=3)
    theta, losses = _sgd_by_hand(m, p0, X, Y, 2, 0.05, batch, 0.8, 3)
    for key in theta:
        np.testing.assert_allclose(trained[key], theta[key], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-12)


def test_train_keeps_its_work_arrays_between_calls_without_sharing_results():
    # train() reuses the last call's work arrays (and seeded generator): a second call must
    # give the same result, leave the first call's parameters alone, and a call nested in a
    # callback must not disturb the one running.
    net = specs.load("digits")
    m = module(net)
    X, Y = net.data["x"][:100], net.data["y"][:100]
    p0 = m.init_params(0)
    first, h1 = m.train(p0, X, Y, epochs=2, batch_size=32, momentum=0.9, seed=5)
    kept = {k: v.copy() for k, v in first.items()}
    second, h2 = m.train(p0, X, Y, epochs=2, batch_size=32, momentum=0.9, seed=5)
    assert h1 == h2
    for key in kept:
        np.testing.assert_array_equal(first[key], kept[key])
        np.testing.assert_array_equal(second[key], kept[key])

    def nested(epoch, loss, params):
        m.train(p0, X, Y, epochs=1, batch_size=32, momentum=0.9, seed=5)

    third, h3 = m.train(p0, X, Y, epochs=2, batch_size=32, momentum=0.9, seed=5,
                        callback=nested)
    assert h3 == h1
    for key in kept:
        np.testing.assert_array_equal(third[key], kept[key])


@pytest.mark.parametrize("text", ["a/(2*n)", "a*(1 - a)/(2*n)", "1/(a*b)", "2*a/(3*n*b)",
                                  "(a - b)/(n*(a + b))", "1/a**2"])
def test_printed_quotients_keep_their_denominators(text):
    expr = sp.sympify(text)
    values = {"a": 0.3, "b": 1.7, "n": 5.0}
    printed = NumpyPrinter().doprint(expr)
    expected = float(expr.subs({sp.Symbol(k): v for k, v in values.items()}))
    # The printer's own output (not user text), run as the generated module would run it.
    assert eval(printed, {"np": np}, values) == pytest.approx(expected, rel=1e-15), printed
