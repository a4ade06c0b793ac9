"""Every printed worked-example value follows from the printed values before it.

A student checks a sheet with a calculator: each number must be what the formula gives at the
numbers printed before it, at the printed precision (three decimals; data as printed). The
recomputation here reads the numbers back from their printed strings and evaluates the
formulas the sheet shows (definitions, error terms, results, the reuse of a cited result),
then checks the sheet prints exactly that string.
"""

import pytest
import sympy as sp

from derive.render import sections as sec
from derive.render.handout import EXERCISE_SEED, render, reports
from derive.render.worked import example_for, exercise_params, worked_example
from derive.spec import examples, load

BY_HAND = [n for n in examples() if load(n).n_params <= 60]


def _printed(value: float) -> sp.Float:
    return sp.Float(sec.fmt(value))


def _check(name: str, sheet: str) -> None:
    net = load(name)
    _, full = reports(net)
    m = full.model
    if sheet == "handout":
        params, (x, y, _) = net.parameters(seed=0), example_for(net)
    else:
        params, (x, y, _) = exercise_params(net, EXERCISE_SEED), example_for(net, EXERCISE_SEED)
    work = worked_example(full, params, x, y, float(net.training.get("learning_rate", 0.1)))
    assert work.by_hand, name
    tex = render(net, sheet=sheet)
    known: dict[sp.Symbol, sp.Expr] = {}
    for s, v in zip(m.inputs, work.x, strict=True):
        assert f"{m.names[m.canonical[s]].latex} = {v:g}" in tex
        known[s] = sp.Float(f"{v:g}")
    for s, v in zip(m.targets, work.y, strict=True):
        known[s] = sp.Float(f"{v:g}")
    for p in m.params:
        head, _, rest = m.canonical[p].partition("[")
        index = tuple(int(i) for i in rest.rstrip("]").split(","))
        known[p] = _printed(work.params[head][index])

    def at(expr: sp.Expr) -> str:
        return sec.fmt(float(sp.N(m.functions_defined(expr).xreplace(known), 30)))

    for s, expr, v in work.forward:  # each intermediate from the printed ones before it
        assert at(expr) == sec.fmt(v), (name, sheet, s)
        assert tex.count(f"= {sec.fmt(v)}") >= 1
        known[s] = _printed(v)
    assert at(m.loss_expr) == sec.fmt(work.loss), (name, sheet)
    for s, v in work.errors:
        lemma = next(d for d in full.lemmas if d.target == s)
        assert at(lemma.result) == sec.fmt(v), (name, sheet, s)
        known[s] = _printed(v)
    for d in full.sequence:
        if d.param is None:
            continue
        head, _, rest = m.canonical[d.param].partition("[")
        index = tuple(int(i) for i in rest.rstrip("]").split(","))
        shown = sec.fmt(work.gradients[head][index])
        cited = [c for c in d.steps[0].cites if c in known]
        if cited:  # the derivation reuses a printed result: so does the arithmetic
            assert at(d.steps[-2].rhs.xreplace({c: known[c] for c in cited})) == shown
        else:
            assert at(d.result) == shown, (name, sheet, d.param)
        known[d.target] = sp.Float(shown)
        rate = sp.Float(sec.fmt(work.rate))
        assert sec.fmt(float(known[d.param] - rate * known[d.target])) == \
            sec.fmt(work.updated[head][index]), (name, sheet, d.param)
    for row in sec.matrix_rows(m, work.gradients, "gradient") + \
            sec.matrix_rows(m, work.updated, "update"):
        assert row in tex, (name, sheet, row)


@pytest.mark.parametrize("name", BY_HAND)
def test_handout_numbers_follow_from_printed_numbers(name):
    _check(name, "handout")


@pytest.mark.parametrize("name", BY_HAND)
def test_solution_numbers_follow_from_printed_numbers(name):
    _check(name, "solutions")


def test_reused_results_are_computed_from_the_printed_result():
    """∂E/∂w_x1 = ∂E/∂t_1 · x with ∂E/∂t_1 as printed, not from unrounded factors."""
    net = load("or_gate")
    _, full = reports(net)
    x, y, _ = example_for(net)
    work = worked_example(full, net.parameters(seed=0), x, y, 1.0)
    t1 = work.gradients["b1"][0]
    assert work.gradients["W1"][0, 0] == pytest.approx(round(t1 * work.x[0], 3), abs=1e-12)


def test_wide_networks_say_their_numbers_are_float64():
    text = render(load("digits"))
    assert "computed in float64 from unrounded values" in text
    assert "X &= \\bigl[64\\text{ values from }" in text  # the summary has a left side
    outputs = text.split("Output of the forward pass")[1].split("The loss")[0]
    numbers = [t.rstrip(",") for t in outputs.replace("\\", " ").split() if t[:1].isdigit()]
    assert numbers and all(len(t.split(".")[-1]) == 3 for t in numbers)


def test_an_output_rounded_to_the_edge_of_the_loss_is_worked_in_float64_and_says_why():
    """Rounded to three decimals, σ(8) = 1.000 and ln(1 − 1.000) is infinite: no value a
    student could compute, so the sheet works the example in float64 and says that is why."""
    from derive.network import Dense, Network

    net = Network(1, [Dense(1, "sigmoid")], loss={"kind": "binary_cross_entropy"},
                  name="edge", params={"W1": [[8.0]], "b1": [0.0]},
                  data={"x": [[1.0]], "y": [[0.0]]})
    _, full = reports(net)
    work = worked_example(full, {"W1": [[8.0]], "b1": [0.0]}, [1.0], [0.0], 0.1)
    assert not work.by_hand and "edge of the loss's domain" in work.why_float64
    assert work.loss == pytest.approx(8 + float(sp.log(1 + sp.exp(-8))), rel=1e-12)
    assert "edge of the loss's domain" in render(net)


def test_exercise_examples_have_no_input_0_where_the_data_has_such_rows():
    for name in examples():
        net = load(name)
        if net.data is None or not (net.data["x"] != 0).all(axis=1).any():
            continue
        for seed in (EXERCISE_SEED, 2, 3):
            x, _, row = example_for(net, seed)
            assert (x != 0).all() and row is not None, (name, seed, x)
