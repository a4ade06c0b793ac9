"""Every style's code is the delta form: same gradients as `chainrule eval`, comments as
`chainrule derive --delta` prints them, and a lesson module students can read and run."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import networks

from codegen.check import check_module
from codegen.emit import GENERATED, STYLES, buildable_examples, render
from codegen.loader import load_source as module_from_source
from codegen.lower import lower
from derive import spec as specs
from derive.network import Dense, Network
from derive.numeric import evaluate
from derive.render.document import render_text
from derive.report import build

REPO = Path(__file__).resolve().parents[2]
def _point(net, seed=0, n=5):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0, 0.7, s) for k, s in net.param_shapes().items()}
    X = rng.normal(size=(n, len(net.inputs)))
    Y = rng.uniform(0.05, 0.95, size=(n, net.layers[-1].units))
    if net.layers[-1].units > 1 and net.loss.kind == "categorical_cross_entropy":
        Y /= Y.sum(axis=1, keepdims=True)
    return params, X, Y


def _agree(net, style, target="numpy"):
    module = module_from_source(render(net, style=style, target=target), f"m_{style}")
    params, X, Y = _point(net)
    ref = evaluate(net, params, X, Y)
    grads = module.gradients(params, X, Y)
    for key, want in ref["gradients"].items():
        got = np.asarray(grads[key])
        scale = max(np.abs(want).max(), 1e-300)
        assert np.abs(got - want).max() <= 1e-12 * scale + 1e-300, (style, key, got, want)
    assert module.loss(params, X, Y) == pytest.approx(ref["loss"], rel=1e-12, abs=1e-300)
    return module


@pytest.mark.parametrize("name", buildable_examples())
@pytest.mark.parametrize(("style", "target"), STYLES)
def test_examples_agree_with_eval_and_central_differences(name, style, target):
    module = _agree(specs.load(name), style, target)
    report = check_module(module, name)
    assert report.ok, str(report)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_drawn_networks_agree_in_every_style(net):
    for style, target in STYLES:
        module = _agree(net, style, target)
        assert check_module(module, "drawn").ok
        if target == "torch":
            _torch_matches_autograd(module, net)


def _torch_matches_autograd(module, net):
    params, X, Y = _point(net, seed=3)
    derived, auto = module.gradients(params, X, Y), module.autograd_gradients(params, X, Y)
    for key in derived:
        want = auto[key].numpy()
        assert np.abs(derived[key].numpy() - want).max() <= 1e-12 * max(np.abs(want).max(), 1)


@pytest.mark.parametrize("name", buildable_examples())
def test_torch_target_backward_is_derived_and_matches_autograd(name):
    import torch

    net = specs.load(name)
    module = module_from_source(render(net, target="torch"), name)
    _torch_matches_autograd(module, net)
    assert issubclass(module.DerivedLoss, torch.autograd.Function)
    params, X, Y = _point(net)
    model = module.Net({k: torch.as_tensor(v) for k, v in params.items()})
    E = model.loss(torch.as_tensor(X), torch.as_tensor(Y))
    E.backward()
    ref = evaluate(net, params, X, Y)["gradients"]
    for key in ref:
        np.testing.assert_allclose(getattr(model, key).grad.numpy(), ref[key], rtol=1e-12,
                                   atol=1e-15)
    # The backward is the derived statements: autograd records nothing inside it.
    assert "autograd" not in module._backward.__code__.co_names


def _blocks(source: str) -> list[tuple[str, str]]:
    """(comment, code line) for every code line right below a block of comment lines; a
    comment continued on lines starting "#   " is joined back with single spaces."""
    out, comment = [], None
    for line in source.splitlines():
        text = line.strip()
        if text.startswith("#   ") and comment is not None:
            comment += " " + text[4:]
        elif text.startswith("# "):
            comment = text[2:]
        else:
            if comment is not None and text:
                out.append((comment, text))
            comment = None
    return out


def _derive_delta_lines(net) -> list[str]:
    """The equations `derive --delta` prints, without the notes (e.g. relu'(0)) after them."""
    text = render_text(build(net, delta_only=True))
    lines = [line.strip() for line in text.split("Delta form")[1].splitlines()[1:]]
    return [line for line in lines if line and not line.startswith("Note:")]


def _said(net, style, target="numpy"):
    """Delta-form key → the comment right above the statement computing it."""
    blocks = _blocks(render(net, style=style, target=target))
    said = {}
    for st_ in lower(net).statements:
        if style == "fast":  # the tuned module writes into grads["W1"] and delta arrays
            mark = f'grads["{st_.key}"]' if st_.role == "gradient" else f"delta{st_.key[1:]}"
            hits = [c for c, code in blocks if mark in code and (
                st_.role == "gradient" or code.startswith(mark) or f"out={mark}" in code)]
        else:
            hits = [c for c, code in blocks if code.startswith(f"{st_.target} = ")]
        if hits:
            said[st_.key] = hits[0]
    return said


def _check_said(net):
    """Every statement of every style says what `derive --delta` prints for it (the fast
    style: each gradient and hidden delta statement; the others: every statement)."""
    printed = _derive_delta_lines(net)
    statements = lower(net).statements
    assert [st_.text for st_ in statements] == printed
    for style, target in STYLES:
        said = _said(net, style, target)
        for st_ in statements:
            if style != "fast" or st_.role in ("gradient", "delta"):
                assert said[st_.key] == st_.text, (style, target, st_.key)


@pytest.mark.parametrize("name", buildable_examples())
def test_each_statement_says_what_derive_delta_prints(name):
    _check_said(specs.load(name))


def test_rbf_gradient_comment_matches_its_code():
    net = Network(2, [Dense(3, "gaussian", input_function="squared_distance"),
                      Dense(1, "sigmoid")], name="rbf")
    _check_said(net)
    source = render(net, style="fast")
    assert "∂E/∂W⁽¹⁾ = 2(W⁽¹⁾ ⊙ 1ᵀΔ⁽¹⁾ − XᵀΔ⁽¹⁾)" in source


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_drawn_networks_say_what_derive_delta_prints(net):
    _check_said(net)


def test_or_gate_lesson_is_short_and_trains():
    text = (GENERATED / "or_gate.py").read_text()
    assert "out=" not in text and "_PLANS" not in text
    lines = text.splitlines()
    # The lesson, with its docstring and data, is at most 150 lines; the argument checks every
    # style shares follow it in a section of their own, which fits on one screen.
    checks = lines.index(next(line for line in lines if line.startswith("# Argument checks.")))
    main = lines.index('if __name__ == "__main__":')
    assert len(lines) - (main - checks) <= 150
    assert main - checks <= 60
    start = lines.index(next(line for line in lines if line.startswith("def train(")))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("def "))
    assert len([line for line in lines[start:end] if line.strip()]) <= 40
    for name in ("or_gate", "xor_gate"):
        module = module_from_source((GENERATED / f"{name}.py").read_text(), name)
        net = specs.load(name)
        _, history = module.train(module.init_params(0), net.data["x"], net.data["y"])
        assert history["loss"][-1] < 1e-2


def test_lesson_train_fits_on_a_screen():
    lines = (GENERATED / "digits.py").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def train("))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("def "))
    body = [line for line in lines[start:end] if line.strip()]
    assert len(body) <= 40


def test_digits_lesson_reaches_95_percent_held_out():
    run = subprocess.run([sys.executable, str(GENERATED / "digits.py")], capture_output=True,
                         text=True, timeout=300, check=True)
    accuracy = float(run.stdout.split("held-out accuracy")[1].strip().rstrip("%"))
    assert accuracy >= 95


@pytest.mark.parametrize(("style", "target"), STYLES)
def test_extreme_inputs_stay_finite_without_warnings(style, target):
    for name in buildable_examples():
        net = specs.load(name)
        module = module_from_source(render(net, style=style, target=target), name)
        params = {k: np.full(s, 0.0) for k, s in net.param_shapes().items()}
        params["b1"] = np.where(np.arange(net.layers[0].units) % 2, 1e4, -1e4) \
            if "b1" in params else None
        if params["b1"] is None:
            del params["b1"]
        n = 4
        X = np.zeros((n, len(net.inputs)))
        Y = np.zeros((n, net.layers[-1].units))
        Y[::2] = 1.0
        if net.loss.kind == "categorical_cross_entropy":
            Y = np.eye(net.layers[-1].units)[np.arange(n) % net.layers[-1].units]
        last = len(net.layers)
        if f"b{last}" in params:
            params[f"b{last}"] = np.where(np.arange(net.layers[-1].units) % 2, 1e4, -1e4)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise", under="ignore"):
                assert np.isfinite(module.loss(params, X, Y))
                for g in module.gradients(params, X, Y).values():
                    assert np.isfinite(np.asarray(g)).all()


def _api_module(style, target):
    return module_from_source(render(specs.load("xor_gate"), style=style, target=target), "api")


@pytest.mark.parametrize(("style", "target"), STYLES)
def test_every_public_function_checks_its_arguments(style, target):
    m = _api_module(style, target)
    net = specs.load("xor_gate")
    X, Y = net.data["x"], net.data["y"]
    p = {k: np.asarray(v) for k, v in m.init_params(0).items()}
    bad_calls = [
        (ValueError, r"Y has shape \(1, 1\); it needs \(5, 1\)",
         lambda: m.gradients(p, np.ones((5, 2)), np.ones((1, 1)))),
        (ValueError, r"X has shape \(2,\)", lambda: m.forward(p, np.ones(2))),
        (ValueError, "X has shape", lambda: m.loss(p, np.ones((0, 2)), np.ones((0, 1)))),
        (ValueError, "NaN or inf", lambda: m.loss(p, [[np.nan, 0]], [[0]])),
        (ValueError, "NaN or inf", lambda: m.gradients(p, [[0, 0]], [[np.inf]])),
        (ValueError, "params lacks W1", lambda: m.forward({"b1": p["b1"]}, X)),
        (ValueError, r"params\['W2'\] has shape", lambda: m.forward({**p, "W2": np.ones(3)}, X)),
        (TypeError, "X is a str", lambda: m.forward(p, "abc")),
        (TypeError, "params is a list", lambda: m.forward([1], X)),
        (ValueError, "clip_norm is -1", lambda: m.train(p, X, Y, clip_norm=-1)),
        (ValueError, "epochs is -1", lambda: m.train(p, X, Y, epochs=-1)),
        (ValueError, "momentum is 5", lambda: m.train(p, X, Y, momentum=5)),
        (ValueError, "learning_rate is nan", lambda: m.train(p, X, Y, learning_rate=np.nan)),
        (ValueError, "learning_rate is inf", lambda: m.train(p, X, Y, learning_rate=np.inf)),
        (TypeError, "batch_size is 2.5", lambda: m.train(p, X, Y, batch_size=2.5)),
        (ValueError, "batch_size is 0", lambda: m.train(p, X, Y, batch_size=0)),
        (TypeError, "epochs is '3'", lambda: m.train(p, X, Y, epochs="3")),
        (TypeError, "epochs is True", lambda: m.train(p, X, Y, epochs=True)),
        (ValueError, "seed is -1", lambda: m.train(p, X, Y, seed=-1)),
        (ValueError, "seed is -1", lambda: m.init_params(-1)),
        (TypeError, "shuffle is 1", lambda: m.train(p, X, Y, shuffle=1)),
        (TypeError, "standardize is None", lambda: m.train(p, X, Y, standardize=None)),
        (ValueError, r"Y has shape \(3, 1\); it needs \(4, 1\)",
         lambda: m.train(p, X, Y[:3], batch_size=2)),
    ]
    for error, message, call in bad_calls:
        with pytest.raises(error, match=message):
            call()
    # Valid calls still work, at the edges of the ranges.
    _, history = m.train(p, X, Y, epochs=1, momentum=0.0, clip_norm=None, batch_size=1)
    assert len(history["loss"]) == 1


def test_codegen_command_writes_each_style_and_refuses_fast_torch(tmp_path, capsys):
    from codegen.cli import main

    for style, target in STYLES:
        path = tmp_path / f"{style}_{target}.py"
        assert main(["codegen", "xor_gate", "--style", style, "--target", target,
                     "-o", str(path)]) == 0
        assert main(["check", str(path)]) == 0
    capsys.readouterr()
    assert main(["codegen", "xor_gate", "--style", "fast", "--target", "torch",
                 "-o", str(tmp_path / "no.py")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no fast style for the torch target" in err
    assert not (tmp_path / "no.py").exists()


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(networks(), min_size=10, max_size=10))
def test_drawn_modules_pass_ruff_in_every_style(nets):
    # Long calls, sums and products are broken over lines from their structure
    # (codegen.layout), whatever the activations and losses make of them, in every style
    # and target: a Hellinger loss or a long delta breaks as ruff format would.
    import tempfile

    # The Hellinger loss averaged over outputs sums terms too long for one line.
    nets = [*nets, Network(2, [Dense(3, "tanh"), Dense(2, "sigmoid")], name="hellinger",
                           loss={"kind": "hellinger", "reduce_outputs": "mean"})]
    with tempfile.TemporaryDirectory() as folder:
        for i, net in enumerate(nets):
            for style, target in STYLES:
                (Path(folder) / f"m{i}_{style}_{target}.py").write_text(
                    render(net, style=style, target=target))
        ruff = [sys.executable, "-m", "ruff"]
        for command in (["check"], ["format", "--check"]):
            result = subprocess.run([*ruff, *command, "--no-cache", folder], cwd=REPO,
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr
