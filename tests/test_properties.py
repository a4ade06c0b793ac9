"""Random small networks: every derived gradient equals SymPy's diff, and the delta form agrees."""

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.activations import ACTIVATIONS
from derive.losses import LOSSES
from derive.network import Dense, Network
from derive.numeric import evaluate
from derive.report import build
from derive.verify import random_point, values

HIDDEN = [a for a in ACTIVATIONS if ACTIVATIONS[a].elementwise]


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 3)) for _ in range(depth)]
    kind = draw(st.sampled_from(sorted(LOSSES)))
    allowed = LOSSES[kind].outputs or [a for a in ACTIVATIONS if a != "softmax"]
    out = draw(st.sampled_from(sorted(allowed)))
    if out == "softmax":
        widths[-1] = max(widths[-1], 2)
    layers = [Dense(w, draw(st.sampled_from(HIDDEN)), draw(st.booleans()),
                    draw(st.sampled_from(["weighted_sum", "weighted_sum", "squared_distance"])))
              for w in widths[:-1]]
    layers.append(Dense(widths[-1], out, draw(st.booleans())))
    loss = {"kind": kind, "factor": draw(st.sampled_from([1, 0.5, 2])),
            "reduce_outputs": "sum" if kind == "categorical_cross_entropy"
            else draw(st.sampled_from(["sum", "mean"]))}
    return Network(inputs=draw(st.integers(1, 3)), layers=layers, loss=loss)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_derived_equals_sympy_diff_and_delta_form(net):
    report = build(net)  # verify raises VerificationError on any gap
    assert len(report.checks) == net.n_params
    model, deriver = report.model, report.deriver
    point = random_point(model, seed=7)
    known = values(deriver, point)
    x = np.array([[float(point[s]) for s in model.inputs]])
    y = np.array([[float(point[s]) for s in model.targets]])
    params = {}
    for key, shape in net.param_shapes().items():
        params[key] = np.zeros(shape)
    for s in model.params:
        key = model.canonical[s]
        head, _, rest = key.partition("[")
        idx = tuple(int(v) for v in rest.rstrip("]").split(","))
        params[head][idx] = float(point[s])
    grads = evaluate(net, params, x, y)["gradients"]
    for derivation in report.derivations:
        key = model.canonical[derivation.param]
        head, _, rest = key.partition("[")
        idx = tuple(int(v) for v in rest.rstrip("]").split(","))
        scalar = float(model.functions_defined(derivation.result).xreplace(known).evalf(30))
        assert np.isclose(grads[head][idx], scalar, rtol=1e-9, atol=1e-12), key


def test_a_wrong_activation_rule_is_caught(monkeypatch):
    import dataclasses

    import pytest

    from derive import activations
    from derive.errors import VerificationError

    wrong = dataclasses.replace(activations.ACTIVATIONS["sigmoid"],
                                derivative=lambda u, a: a * (1 + a))
    monkeypatch.setitem(activations.ACTIVATIONS, "sigmoid", wrong)
    net = Network(inputs=2, layers=[Dense(2, "sigmoid"), Dense(1, "sigmoid")])
    with pytest.raises(VerificationError):
        build(net, wrt=["W1[0,0]"])


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
