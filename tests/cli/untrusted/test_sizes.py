"""Sizes: what a wide network's matrix form builds, and the limits checked before building."""

import pytest

from derive.errors import ChainruleError, SpecError
from derive.network import MAX_LAYERS, MAX_WIDTH, Dense, Network, to_rational
from derive.render.document import render_latex, render_text
from derive.report import build


def test_matrix_form_of_a_wide_network_makes_no_scalar():
    net = Network(inputs=1, layers=[Dense(20000, "sigmoid"), Dense(1, "sigmoid")])
    report = build(net, delta_only=True)
    text = render_text(report)
    latex = render_latex(report)
    assert "Loss (one example): E = (a⁽²⁾ − y)²" in text
    assert "∂E/∂W⁽¹⁾ = XᵀΔ⁽¹⁾" in text
    assert r"\frac{\partial E}{\partial W^{(1)}}" in latex or "W^{(1)}" in latex
    assert not report.model.scalars_made


def test_the_few_symbols_print_as_the_full_model_does():
    net = Network(inputs=["x", "y"], targets=["z"], notation="rostock",
                  layers=[Dense(2, "sigmoid"), Dense(1, "sigmoid")])
    light = render_text(build(net, delta_only=True))
    full = build(net, wrt=["t_z"])
    assert full.model.output_loss == full.model.loss_expr
    assert "Loss (one example): E = (N_xy − z)²" in light
    assert light.split("Loss")[1].splitlines()[0] in render_text(full)


def test_scalar_limit_is_checked_before_any_symbol():
    net = Network(inputs=1, layers=[Dense(100000, "sigmoid"), Dense(1, "sigmoid")])
    with pytest.raises(ChainruleError, match="300001 parameters"):
        build(net)


@pytest.mark.parametrize("value, words", [
    ("1e100000000", "out of range"), (float("nan"), "finite number"),
    ("1" * 65, "64 characters"), ("1e-301", "out of range"), (True, "must be a number")])
def test_spec_numbers_are_bounded(value, words):
    with pytest.raises(SpecError, match=words):
        to_rational(value, "loss factor")


def test_spec_numbers_in_range_stay_exact():
    assert str(to_rational("0.1", "factor")) == "1/10"
    assert str(to_rational(2.5e300, "factor")) == str(25 * 10**299)


@pytest.mark.parametrize("layers, inputs", [
    ([Dense(1)] * (MAX_LAYERS + 1), 1), ([Dense(1)], MAX_WIDTH + 1)])
def test_sizes_over_the_limits_are_refused(layers, inputs):
    with pytest.raises(SpecError, match="over the limit"):
        Network(inputs=inputs, layers=layers)
