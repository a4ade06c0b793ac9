"""`codegen.differences`: the one numeric gradient `check` and `compare` share."""

import numpy as np
import pytest

from codegen import check, compare
from codegen.differences import (
    METHODS,
    STEPS,
    USUAL,
    complex_step,
    differences,
    entrywise_error,
    evaluations,
    normwise_error,
    stacked,
    sweep,
    usual_step,
)

THETA = np.array([0.3, -1.2, 2.0, 40.0])


def _f(rows):
    return np.sum(np.sin(rows) * rows, axis=-1)


EXACT = np.sin(THETA) + THETA * np.cos(THETA)


@pytest.mark.parametrize("method, within", [
    ("forward difference", 1e-6), ("central difference", 3e-8), ("complex step", 1e-14)])
def test_each_method_on_a_known_function(method, within):
    got = differences(_f, THETA, method, USUAL[method])
    assert np.max(abs(got - EXACT) / np.maximum(1, abs(EXACT))) < within


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [1, 3, 300])  # 300 spans two chunks
def test_evaluations_count_the_loss_calls(method, n):
    calls = []

    def f(rows):
        calls.append(len(rows))
        return _f(rows)

    differences(f, np.linspace(-1, 1, n), method, USUAL[method])
    assert sum(calls) == evaluations(method, n)


def test_a_dict_loss_differences_like_the_stacked_one():
    shapes = {"W": (2, 2), "b": (1,)}

    def loss(p):
        return np.sum(np.tanh(p["W"]) ** 2) + np.exp(p["b"][0]) * p["W"][0, 1]

    theta = np.array([0.1, -0.4, 0.7, 1.3, 0.2])
    f = stacked(loss, shapes)
    assert f(theta[None, :])[0] == loss({"W": theta[:4].reshape(2, 2), "b": theta[4:]})
    central = differences(f, theta, "central difference", USUAL["central difference"])
    step = complex_step(f, theta)
    assert step is not None and np.max(abs(central - step)) < 1e-9


def test_the_complex_step_is_refused_where_the_loss_drops_or_refuses_complex_numbers():
    assert complex_step(lambda rows: np.logaddexp(rows, 0).sum(-1), THETA) is None  # TypeError
    assert complex_step(lambda rows: np.real(_f(rows)), THETA) is None  # imaginary part lost
    assert complex_step(lambda rows: _f(rows).astype(float), THETA) is None  # ComplexWarning
    assert np.max(abs(complex_step(_f, THETA) - EXACT)) < 1e-13


def test_the_sweep_and_the_errors():
    errors = sweep(_f, THETA, "central difference", EXACT)
    assert len(errors) == len(STEPS) == 15
    best = int(np.argmin(errors))
    assert 0 < best < 14 and errors[best] < 1e-9 < errors[0]
    assert normwise_error(EXACT + [0, 0, 0, 1e-3], EXACT) == pytest.approx(
        1e-3 / np.max(abs(EXACT)))
    assert entrywise_error([1.0, 0.0], [1.001, 1e-9], floor=1e-4) == pytest.approx(
        0.001 / 1.001)


def test_float32_steps_are_wider():
    assert usual_step("central difference", np.float32) == pytest.approx(
        float(np.finfo(np.float32).eps) ** (1 / 3))
    assert usual_step("central difference") == USUAL["central difference"]


def test_check_and_compare_share_the_one_implementation():
    assert compare.differences is differences and check.differences is differences
    assert compare.USUAL is USUAL and compare.STEPS is STEPS
    assert not hasattr(compare, "generated_module") and not hasattr(compare, "CHUNK")
