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

from codegen.check import check_module, module_from_source
from codegen.emit import GENERATED, STYLES, buildable_examples, render
from codegen.lower import lower
from derive import spec as specs
from derive.activations import ACTIVATIONS
from derive.losses import LOSSES
from derive.network import Dense, Network
from derive.numeric import evaluate
from derive.render.document import render_text
from derive.report import build

REPO = Path(__file__).resolve().parent.parent
NUMPY_STYLES = [s for s in STYLES if s[1] == "numpy"]
HIDDEN = [a for a in ACTIVATIONS if ACTIVATIONS[a].elementwise and ACTIVATIONS[a].trainable]


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 3)) for _ in range(depth)]
    kind = draw(st.sampled_from(sorted(LOSSES)))
    allowed = LOSSES[kind].outputs or [a for a in HIDDEN]
    out = draw(st.sampled_from(sorted(allowed)))
    if out == "softmax":
        widths[-1] = max(widths[-1], 2)
    layers = [Dense(w, draw(st.sampled_from(HIDDEN)), draw(st.booleans()),
                    draw(st.sampled_from(["weighted_sum", "squared_distance"])))
              for w in widths[:-1]]
    layers.append(Dense(widths[-1], out, draw(st.booleans()),
                        draw(st.sampled_from(["weighted_sum", "squared_distance"]))))
    loss = {"kind": kind, "factor": draw(st.sampled_from([1, 0.5, 2])),
            "reduce_outputs": "sum" if kind == "categorical_cross_entropy"
            else draw(st.sampled_from(["sum", "mean"])),
            "reduce_examples": draw(st.sampled_from(["sum", "mean"]))}
    return Network(inputs=draw(st.integers(1, 3)), layers=layers, loss=loss, name="drawn")


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
@pytest.mark.parametrize(("style", "target"), NUMPY_STYLES)
def test_examples_agree_with_eval_and_central_differences(name, style, target):
    module = _agree(specs.load(name), style, target)
    report = check_module(module, name)
    assert report.ok, str(report)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_drawn_networks_agree_in_every_style(net):
    for style, target in NUMPY_STYLES:
        module = _agree(net, style, target)
        assert check_module(module, "drawn").ok


def _comments(source: str) -> dict[str, str]:
    """Each assignment's target mapped to the comment line right above it."""
    lines = source.splitlines()
    out = {}
    for above, line in zip(lines, lines[1:], strict=False):
        code = line.strip()
        if above.strip().startswith("# ") and " = " in code:
            out.setdefault(code.split(" = ")[0], above.strip()[2:])
    return out


def _derive_delta_lines(net) -> list[str]:
    text = render_text(build(net, delta_only=True))
    return [line.strip() for line in text.split("Delta form")[1].splitlines()[1:] if line.strip()]


def _said(net, style):
    source = render(net, style=style)
    comments = _comments(source)
    if style == "fast":  # the tuned module writes into grads["W1"] and the delta arrays
        lines = source.splitlines()
        comments = {}
        for above, line in zip(lines, lines[1:], strict=False):
            for st_key in [s.key for s in lower(net).backward]:
                target = f'grads["{st_key}"]' if st_key[0] in "Wb" else \
                    f"delta{st_key[1:]}"
                if above.strip().startswith("# ") and target in line and st_key not in \
                        comments and (st_key[0] in "Wb" or f"out={target}" in line
                                      or line.strip().startswith(target)):
                    comments.setdefault(st_key, above.strip()[2:])
        return comments
    return {s.key: comments[s.target] for s in lower(net).statements}


def _check_said(net):
    printed = _derive_delta_lines(net)
    for style in ("lesson", "fast"):
        said = _said(net, style)
        for st_ in lower(net).backward:
            if st_.role == "gradient" or style == "lesson":
                assert said[st_.key] == st_.text, (style, st_.key)
                assert st_.text in printed, (st_.text, printed)
    for st_ in lower(net).statements:
        assert st_.text in printed


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
    assert len(text.splitlines()) <= 250  # with docstring, data and argument checks
    assert "out=" not in text and "_PLANS" not in text
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


@pytest.mark.parametrize(("style", "target"), NUMPY_STYLES)
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
                    assert np.isfinite(g).all()
