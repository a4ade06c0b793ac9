"""max, min, |·| and relu in plain expressions: subgradients with a stated convention."""

import autograd.numpy as anp
import pytest
from autograd import grad

from derive.expression.derive import derive_expression


def values(text: str, **at: float) -> dict[str, float]:
    report = derive_expression(text, at=at)
    return {g.wrt.name: float(g.value) for g in report.gradients}


def test_the_cs231n_max_gate(run):
    assert values("f = max(x, y)*z", x=4, y=2, z=3) == {"x": 3.0, "y": 0.0, "z": 4.0}
    status, out, _ = run("derive", "--expr", "f = max(x, y)*z", "--at", "x=4", "y=2", "z=3")
    assert status == 0
    assert "∂a/∂x = H(x − y) = 1" in out and "∂a/∂y = H(y − x) = 0" in out
    assert "a tie goes to u" in out and "Verified:" in out  # the convention, stated


@pytest.mark.parametrize("point", [(0.7, -1.3, 2.1), (-0.4, 0.9, -1.7), (1.9, 1.2, 0.3)])
def test_gradients_match_autograd(point):
    text = "g = max(x, y)*z + abs(x) - min(x, z) + relu(y)"

    def g(v):
        x, y, z = v[0], v[1], v[2]
        return anp.maximum(x, y) * z + anp.abs(x) - anp.minimum(x, z) + anp.maximum(0.0, y)

    expected = grad(g)(anp.array(point))
    ours = values(text, x=point[0], y=point[1], z=point[2])
    assert ours == pytest.approx(dict(zip("xyz", expected, strict=True)), rel=1e-15, abs=1e-15)


def test_kinks_take_the_stated_convention():
    assert values("f = relu(x)", x=0) == {"x": 0.0}  # relu'(0) = 0, as Keras and PyTorch
    assert values("f = abs(x)", x=0) == {"x": 0.0}
    assert values("f = max(x, y)", x=1, y=1) == {"x": 1.0, "y": 0.0}  # a tie goes to x
    assert values("f = min(x, y)", x=1, y=1) == {"x": 1.0, "y": 0.0}


def test_wrong_arity_is_one_line(run):
    status, _, err = run("derive", "--expr", "max(x)")
    assert status == 2 and err.strip() == "chainrule: max takes exactly 2 arguments"
