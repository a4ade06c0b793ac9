"""Random networks, up to five layers deep: every derived gradient passes the verifier and
equals the float64 delta form; the verifier's numeric route equals SymPy's diff of the expanded
loss; a wrong rule or a wrong step is refused, in small and deep networks."""

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from strategies import networks

from derive.derivation import Deriver
from derive.errors import VerificationError
from derive.network import Dense, Network
from derive.numeric import evaluate
from derive.report import build, resolve_params
from derive.symbolic import Model
from derive.verify import (
    DIGITS,
    WORK_DIGITS,
    Probe,
    network_forward,
    network_probe,
    random_point,
    verify,
)


def _entry(model, symbol):
    head, _, rest = model.canonical[symbol].partition("[")
    return head, tuple(int(v) for v in rest.rstrip("]").split(","))


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks(depths=(1, 3), trainable=False, output_distance=False))
def test_derived_equals_numeric_route_and_delta_form(net):
    _derived_equals_numeric_route_and_delta_form(net)


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks(depths=(4, 5), trainable=False, output_distance=False))
@example(Network(inputs=3, layers=[Dense(3, a) for a in ("tanh", "relu", "softplus", "sigmoid",
                                                         "gaussian")] + [Dense(2, "softmax")],
                 loss="categorical_cross_entropy"))
@example(Network(inputs=2, layers=[Dense(3, "sigmoid", input_function="squared_distance")]
                 + [Dense(3, "sigmoid") for _ in range(6)], loss="binary_cross_entropy"))
def test_deep_derived_equals_numeric_route_and_delta_form(net):
    _derived_equals_numeric_route_and_delta_form(net)


def _derived_equals_numeric_route_and_delta_form(net):
    """Every result passes the verifier and equals the float64 delta form at a random point."""
    report = build(net)  # verify raises VerificationError on any gap
    assert len(report.checks) == net.n_params
    assert all(c.gap < 1e-35 for c in report.checks)
    assert all(net.n_params <= 9 and len(net.layers) <= 2 for c in report.checks if c.symbolic)
    model, deriver = report.model, report.deriver
    point = random_point(model, seed=7)
    x = np.array([[float(point[s]) for s in model.inputs]])
    y = np.array([[float(point[s]) for s in model.targets]])
    params = {key: np.zeros(shape) for key, shape in net.param_shapes().items()}
    for s in model.params:
        head, idx = _entry(model, s)
        params[head][idx] = float(point[s])
    grads = evaluate(net, params, x, y)["gradients"]
    with mpmath.workdps(WORK_DIGITS):
        probe = network_probe(deriver, point, report.lemmas)
        for derivation in report.derivations:
            head, idx = _entry(model, derivation.param)
            scalar = float(probe.value(derivation.result))
            assert np.isclose(grads[head][idx], scalar, rtol=1e-9, atol=1e-12), head


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks(depths=(1, 2), trainable=False))
def test_numeric_route_equals_sympy_diff_of_the_expanded_loss(net):
    """The verifier's reference, checked against SymPy on networks small enough to expand."""
    model = Model(net)
    point = random_point(model, seed=3)
    forward = network_forward(model)
    with mpmath.workdps(WORK_DIGITS):
        probe = Probe(forward, {s: mpmath.mpmathify(v) for s, v in point.items()})
        for param in model.params[:: max(1, len(model.params) // 4)]:
            expected = sp.diff(model.expanded_loss, param).replace(
                sp.DiracDelta, lambda *args: sp.Integer(0)).xreplace(point).evalf(DIGITS)
            got = probe.partial(model.loss_symbol, param)
            assert abs(got - mpmath.mpmathify(expected)) <= 1e-40 * max(1, abs(got)), param


def _sigmoid_net(depth: int, width: int = 3) -> Network:
    return Network(inputs=width, layers=[Dense(width, "sigmoid") for _ in range(depth - 1)]
                   + [Dense(1, "sigmoid")])


DEPTHS = [2, 6]


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_wrong_activation_rule_is_caught(monkeypatch, depth):
    from derive import activations

    wrong = dataclasses.replace(activations.ACTIVATIONS["sigmoid"],
                                derivative=lambda u, a: a * (1 + a))
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", wrong)
    with pytest.raises(VerificationError):
        build(_sigmoid_net(depth), wrt=["W1[0,0]"])


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_wrong_power_rule_in_the_derivation_is_caught(monkeypatch, depth):
    from derive import derivation

    right = derivation.factors_of
    monkeypatch.setattr(derivation, "factors_of",  # 2(a − y) loses its 2
                        lambda e: [f for f in right(e) if not f.is_number] or [sp.Integer(1)])
    with pytest.raises(VerificationError, match="differs"):
        build(_sigmoid_net(depth), wrt=["b1[0]"])


@pytest.mark.parametrize("depth, wrt", [(1, "b1[0]"), (2, "W1[1,2]"), (3, "W1[0,0]"),
                                        (6, "W1[0,0]")])
def test_a_wrong_step_is_caught_though_the_result_is_right(depth, wrt):
    model = Model(_sigmoid_net(depth))
    deriver = Deriver(model)
    good = deriver.derive(resolve_params(model, [wrt])[0])
    assert verify(deriver, [good], symbolic=False)
    steps = list(good.steps)
    middle = len(steps) // 2
    steps[middle] = dataclasses.replace(steps[middle], rhs=2 * steps[middle].rhs)
    bad = dataclasses.replace(good, steps=steps)
    with pytest.raises(VerificationError, match="step"):
        verify(deriver, [bad], symbolic=False)
    chain = deriver.lemma_chain(good)
    if depth >= 3:  # delta form: a wrong step inside the deepest error-term lemma
        lemma = chain[-1]
        lemma.steps[-1] = dataclasses.replace(lemma.steps[-1], rhs=3 * lemma.steps[-1].rhs)
        with pytest.raises(VerificationError, match="step of the error term"):
            verify(deriver, [good], symbolic=False)


def test_json_results_read_back_with_sympify():
    import json

    from derive.render.document import render_json
    from derive.spec import load

    for name in ["or_gate", "iris_4_3_2", "not_gate"]:
        report = build(load(name))
        for entry in json.loads(render_json(report)):
            result = sp.sympify(entry["result"])
            known = set(entry["definitions"]) | set(entry["symbols"])
            assert {str(s) for s in result.free_symbols} <= known
            for expr in entry["definitions"].values():
                assert not sp.sympify(expr).atoms(sp.core.function.AppliedUndef)
