"""The course notes' numbers and derivations, reproduced."""

import numpy as np
import pytest
import sympy as sp

from derive.network import Dense, Network
from derive.numeric import evaluate
from derive.render.document import render_text
from derive.render.printers import TextPrinter
from derive.report import build
from derive.spec import load


def test_not_gate_numbers():
    net = load("not_gate")
    out = evaluate(net, net.params, [[1.0]], [[0.0]])
    a = out["output"][0, 0]
    assert round(a, 3) == 0.834  # tanh(1.2), the exercise's σ = tanh
    assert round(round(a, 3) ** 2, 3) == 0.696  # the slide squares the rounded 0.834
    assert round(out["loss"], 4) == 0.6950  # unrounded
    c0 = evaluate(net, net.params, [[0.0]], [[1.0]])["loss"]
    assert round(c0, 1) == 1.2
    both = evaluate(net, net.params, net.data["x"], net.data["y"])["loss"]
    assert np.isclose(both, (c0 + out["loss"]) / 2)  # C = 1/N Σ C_k


def test_tanh_layer_cost():
    net = load("tanh_layer_3_2")
    cost = evaluate(net, net.params, net.data["x"], net.data["y"])["loss"]
    assert round(cost, 1) == 1.8


def _all_ones(loss):
    return Network(inputs=4, layers=[Dense(3, "identity", bias=False)], loss=loss)


def test_all_ones_example_mean_and_half_sum():
    x, y = [[4.9, 3.0, 1.4, 0.2]], [[1.0, 0.0, 0.0]]
    params = {"W1": np.ones((4, 3))}
    mean = _all_ones({"kind": "squared_error", "factor": 1, "reduce_outputs": "mean"})
    out = evaluate(mean, params, x, y)
    assert np.allclose(out["output"], 9.5)
    assert out["loss"] == 84.25
    half = _all_ones({"kind": "squared_error", "factor": 0.5})
    assert evaluate(half, params, x, y)["loss"] == 126.375


def test_parameter_counts():
    assert load("iris_4_3_2").n_params == 23
    assert load("keras_2_4_4_1").n_params == 37


def test_cross_entropy_sigmoid_gradient_is_x_times_error():
    net = Network(inputs=["x"], layers=[Dense(1, "sigmoid")], loss="binary_cross_entropy")
    report = build(net, wrt=["W1[0,0]", "b1[0]"])
    m = report.model
    x, a, y = m.inputs[0], m.outputs[0], m.targets[0]
    b, w = report.derivations  # the lecture's order: the bias first, the weight reusing it
    assert sp.simplify(w.result - x * (a - y)) == 0
    assert sp.simplify(b.result - (a - y)) == 0
    assert b.steps[-1].rule == "simplification"
    assert w.steps[-1].cites == (b.target,)


def test_or_gate_t1_matches_the_lecture_line_for_line():
    report = build(load("or_gate"), wrt=["t_1"])
    tp = TextPrinter(report.model)
    lines = [(tp.doprint(s.lhs), tp.doprint(s.rhs), s.rule) for s in report.derivations[0].steps]
    assert lines == [
        ("∂E/∂t_1", "∂(N_xy − z)²/∂t_1", "definition"),
        ("∂E/∂t_1", "2(N_xy − z)·∂N_xy/∂t_1", "power"),
        ("∂N_xy/∂t_1", "N_xy(1 − N_xy)·∂(w_1z·sig(i_1 + t_1) + w_2z·o_2 + t_z)/∂t_1",
         "activation identity"),
        ("∂N_xy/∂t_1", "N_xy(1 − N_xy)·w_1z·∂sig(i_1 + t_1)/∂t_1", "sum"),
        ("∂N_xy/∂t_1", "N_xy(1 − N_xy)·w_1z·o_1(1 − o_1)·∂(i_1 + t_1)/∂t_1",
         "activation identity"),
        ("∂N_xy/∂t_1", "N_xy(1 − N_xy)·w_1z·o_1(1 − o_1)·1", "sum"),
        ("∂E/∂t_1", "2(N_xy − z)·N_xy(1 − N_xy)·w_1z·o_1(1 − o_1)", "substitution"),
    ]


def test_or_gate_output_layer_derivations():
    report = build(load("or_gate"), wrt=["t_z", "w_1z", "w_2z"])
    tp = TextPrinter(report.model)
    finals = [tp.doprint(d.steps[-1].rhs) for d in report.derivations]
    assert finals == ["2(N_xy − z)·N_xy(1 − N_xy)", "2(N_xy − z)·N_xy(1 − N_xy)·o_1",
                      "2(N_xy − z)·N_xy(1 − N_xy)·o_2"]
    assert tp.doprint(report.derivations[0].steps[2].rhs) == "N_xy(1 − N_xy)·∂(i_z + t_z)/∂t_z"


def test_or_gate_in_the_lecture_order_reusing_earlier_results():
    report = build(load("or_gate"))
    m, tp = report.model, TextPrinter(report.model)
    assert [tp.doprint(d.param) for d in report.sequence] == [
        "t_z", "w_1z", "w_2z", "t_1", "w_x1", "w_y1", "t_2", "w_x2", "w_y2"]
    t_z, w_1z = report.sequence[0], report.sequence[1]
    assert report.number(t_z.target) == 1
    # ∂E/∂w_1z = ∂E/∂t_z · ∂(i_z + t_z)/∂w_1z, with ∂E/∂t_z cited as result (1)
    first = w_1z.steps[0]
    assert tp.doprint(first.rhs) == "∂E/∂t_z·∂(i_z + t_z)/∂w_1z"
    assert first.rule == "chain" and first.cites == (t_z.target,)
    assert [tp.doprint(s.rhs) for s in w_1z.steps[1:]] == [
        "∂E/∂t_z·o_1", "2(N_xy − z)·N_xy(1 − N_xy)·o_1"]
    t_1 = report.sequence[3]
    assert tp.doprint(t_1.steps[-1].rhs) == "2(N_xy − z)·N_xy(1 − N_xy)·w_1z·o_1(1 − o_1)"
    assert report.number(t_1.target) == 4
    w_x1 = report.sequence[4]
    assert w_x1.steps[0].cites == (t_1.target,)
    assert tp.doprint(w_x1.steps[-1].rhs) == \
        "2(N_xy − z)·N_xy(1 − N_xy)·w_1z·o_1(1 − o_1)·x"
    assert len(report.checks) == 9 and all(c.symbolic for c in report.checks)
    text = render_text(report)
    assert "(2) ∂E/∂w_1z:" in text and "∂E/∂t_z from (1)" in text
    assert text.index("(1) ∂E/∂t_z:") < text.index("(4) ∂E/∂t_1:") < text.index("∂E/∂w_x1:")
    assert m.loss_symbol in t_1.target.args


def test_delta_lemmas_are_derived_once_and_reused():
    net = Network(inputs=["x_1", "x_2", "x_3"], targets=["y_1", "y_2"],
                  layers=[Dense(4, "tanh"), Dense(2, "tanh")], notation="ibm",
                  loss={"kind": "squared_error", "factor": 0.5})
    report = build(net, wrt=["W2[0,0]", "W1[0,0]", "b1[0]", "b2[0]"])
    tp = TextPrinter(report.model)
    heads = [tp.doprint(d.target) for d in report.sequence]
    assert heads == ["(δ₃)₁", "∂J/∂(b₂)₁", "∂J/∂(W₂)₁₁", "(δ₃)₂", "(δ₂)₁", "∂J/∂(b₁)₁",
                     "∂J/∂(W₁)₁₁"]
    w2 = report.sequence[2]
    assert w2.style == "delta" and w2.steps[1].cites == (report.sequence[0].target,)
    assert tp.doprint(w2.steps[-1].rhs) == "(δ₃)₁·(a₂)₁"
    # nothing re-derives the output's error term: no step of ∂J/∂(W₂)₁₁ differentiates ŷ₁
    assert all("∂ŷ" not in tp.doprint(s.rhs) for s in w2.steps)
    assert "(δ₃)₁ from (1)" in render_text(report)
    assert len(report.checks) == 4


def test_softmax_cross_entropy_delta_cancels():
    report = build(load("iris_4_3_2"), wrt=["b2[0]"])
    lemma = report.lemmas[0]
    m = report.model
    assert lemma.steps[-1].rule == "simplification"
    assert sp.simplify(lemma.result - (m.outputs[0] - m.targets[0])) == 0


def test_ibm_delta_form_in_its_notation():
    from derive.render.matrix import equation_text

    report = build(load("ibm_two_layer"), delta_only=True)
    text = [equation_text(eq, report.model) for eq in report.equations]
    assert "∂J/∂W₂ = a₂ᵀδ₃" in text
    assert "∂J/∂W₁ = Xᵀδ₂" in text
    assert "δ₂ = δ₃W₂ᵀ ⊙ (a₂ ⊙ (1 − a₂))" in text


def test_rostock_names_cannot_be_misread_or_clash():
    from derive.errors import SpecError
    from derive.notation import get_notation

    net = Network(inputs=["x1", "x2"], targets=["z"], layers=[Dense(2, "sigmoid"),
                                                             Dense(1, "sigmoid")])
    names = get_notation("rostock").table(net)
    assert names["W1[0,1]"].latex == "w_{x_{1},2}"  # x1 → unit 2, not x → unit 12
    assert names["W2[1,0]"].text == "w_2,z"
    lecture = get_notation("rostock").table(load("or_gate"))
    assert lecture["W1[0,1]"].latex == "w_{x2}" and lecture["W2[0,0]"].latex == "w_{1z}"
    with pytest.raises(SpecError, match="must all differ"):  # target y beside input y
        Network(inputs=["x", "y"], targets=["y"], layers=[Dense(1, "sigmoid")])


def _pending(expr):
    from derive.symbolic import Partial

    return [p for p in sp.preorder_traversal(expr) if isinstance(p, Partial)]


@pytest.mark.parametrize("name", ["or_gate", "not_gate", "iris_4_3_2", "ibm_two_layer"])
def test_each_rule_tag_matches_the_step_it_labels(name):
    """What each tag claims is what the step does, read off the expressions: a sum rule
    evaluates ∂ of a sum, a power rule ∂ of a square, a chain-rule identity step puts in the
    activation's derivative, a substitution leaves nothing pending."""
    from derive.activations import get_activation
    from derive.derivation import RULES

    report = build(load(name))
    m = report.model
    acts = {get_activation(layer.activation) for layer in m.net.layers}
    for d in report.sequence:
        before = None
        for step in d.steps:
            assert step.rule in RULES
            gone = [p for p in (_pending(before) if before is not None else [])
                    if p not in _pending(step.rhs)]
            args = [p.args[0] for p in gone]
            if step.rule == "sum":
                assert any(isinstance(m.definitions.get(a, a), sp.Add) or a in m.params
                           for a in args), step
            elif step.rule == "power":
                assert any(isinstance(a, sp.Pow) and a.exp == 2 or a == m.loss_symbol
                           or m.loss_expr.has(sp.Pow) for a in args), step
            elif step.rule == "activation identity":
                assert any(a.identity_name.split("'")[0] in step.detail
                           or m.notation.function(a).text in step.detail for a in acts), step
            elif step.rule in ("substitution", "simplification"):
                assert not _pending(step.rhs), step
            elif step.rule == "chain" and step.cites:
                assert all(c in [x.target for x in report.sequence] for c in step.cites)
            before = step.rhs
