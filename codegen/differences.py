"""Finite differences and the complex step: chainrule's one numeric gradient.

Contract: ``differences(f, theta, method, h)`` is every entry of ∇f at ``theta`` by the
forward difference, the central difference or the complex step (``METHODS``), with step
h·max(1, |θᵢ|). ``f`` maps a stack of parameter vectors (P, N) to their P losses — complex
where the vectors are — so a vectorised loss (``codegen.forward.loss_function``) differences
many entries per call; ``stacked(loss, shapes)`` turns a loss of a parameter dict (a generated
module's ``loss``) into such an ``f``. ``complex_step(f, theta)`` is the complex step, or
None where ``f`` refuses complex numbers. ``evaluations(method, n)`` is the number of calls
of the loss one gradient of n entries costs; ``sweep`` is the error over a range of steps.
``entrywise_error`` (the worst entry, each against its own size: ``chainrule check``) and
``normwise_error`` (against the largest entry of a reference: ``chainrule compare``) measure
a gradient against another. ``chainrule check`` and ``chainrule compare`` both difference
through these functions alone.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

METHODS = ("forward difference", "central difference", "complex step")
# Steps 10⁻¹ … 10⁻¹⁵: the sweep that shows truncation against rounding error.
STEPS = [10.0 ** -k for k in range(1, 16)]
CHUNK = 256  # perturbed vectors per call of f


def usual_step(method: str, dtype: np.dtype | type = np.float64) -> float:
    """The usual step of ``method`` for a loss computed in ``dtype``: √ε and ∛ε balance
    truncation against rounding; the complex step subtracts nothing, so has no rounding to
    balance and any tiny step serves."""
    eps = float(np.finfo(dtype).eps)
    return {"forward difference": eps ** 0.5, "central difference": eps ** (1 / 3),
            "complex step": 1e-20}[method]


USUAL = {method: usual_step(method) for method in METHODS}  # in float64


def evaluations(method: str, n: int) -> int:
    """Calls of the loss (complex ones for the complex step) for all ``n`` entries."""
    return {"forward difference": n + 1, "central difference": 2 * n, "complex step": n}[method]


def differences(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, method: str,
                h: float, entries: np.ndarray | None = None) -> np.ndarray:
    """Every entry of ∇f at ``theta`` (or those of the flat indices ``entries``, in their
    order) by ``method`` with step h·max(1, |θᵢ|).

    ``f`` maps a stack of parameter vectors (P, N) to their losses (P,), complex where the
    vectors are. The effective step (θ + h) − θ of the differences is the representable one.
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r}; use one of {', '.join(METHODS)}")
    theta = np.asarray(theta, dtype=np.float64)
    chosen = np.arange(theta.size) if entries is None else np.asarray(entries)
    steps = h * np.maximum(1.0, np.abs(theta))
    if method != "complex step":
        steps = (theta + steps) - theta
    base = f(theta[None, :])[0] if method == "forward difference" else None
    out = np.empty(len(chosen))
    chunk = max(1, min(CHUNK, 2**22 // theta.size))  # perturbed copies of at most 32 MB
    for start in range(0, len(chosen), chunk):
        at = np.arange(start, min(len(chosen), start + chunk))
        idx, rows = chosen[at], np.arange(len(at))
        if method == "complex step":
            bumped = np.repeat(theta[None, :].astype(complex), len(idx), axis=0)
            bumped[rows, idx] += 1j * steps[idx]
            out[at] = np.imag(f(bumped)) / steps[idx]
            continue
        up = np.repeat(theta[None, :], len(idx), axis=0)
        up[rows, idx] += steps[idx]
        if method == "forward difference":
            out[at] = (np.asarray(f(up)) - base) / steps[idx]
        else:
            down = np.repeat(theta[None, :], len(idx), axis=0)
            down[rows, idx] -= steps[idx]
            out[at] = (np.asarray(f(up)) - np.asarray(f(down))) / (2 * steps[idx])
    return out


def complex_step(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray,
                 h: float = USUAL["complex step"], entries: np.ndarray | None = None
                 ) -> np.ndarray | None:
    """The complex-step gradient of ``f`` at ``theta``, or None where ``f`` refuses complex
    numbers: raises ``TypeError`` (``np.logaddexp``, ``np.heaviside``), warns (a complex value
    cast to real), or gives a loss without an imaginary part."""

    def strict(thetas: np.ndarray) -> np.ndarray:
        values = f(thetas)
        if not np.iscomplexobj(values):
            raise TypeError("the loss dropped the imaginary part")
        return values

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return differences(strict, theta, "complex step", h, entries)
    except (TypeError, Warning):
        return None


def sweep(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, method: str,
          reference: np.ndarray, steps: list[float] = STEPS) -> list[float]:
    """``normwise_error`` of ``method`` against ``reference`` at each of ``steps``."""
    return [normwise_error(differences(f, theta, method, h), reference) for h in steps]


def stacked(loss: Callable[[dict], float], shapes: dict[str, tuple[int, ...]]
            ) -> Callable[[np.ndarray], np.ndarray]:
    """``f`` for ``differences`` from a loss of one parameter dict (keys and shapes
    ``shapes``, the flat vector in that order), called once per stacked vector."""

    def f(thetas: np.ndarray) -> np.ndarray:
        values = []
        for theta in thetas:
            params, start = {}, 0
            for key, shape in shapes.items():
                stop = start + math.prod(shape)
                params[key] = theta[start:stop].reshape(shape).copy()
                start = stop
            values.append(loss(params))
        return np.array(values)

    return f


def entrywise_error(g: np.ndarray, d: np.ndarray, floor: float) -> float:
    """max |gᵢ − dᵢ| / max(|gᵢ|, |dᵢ|, floor): the worst entry against its own size."""
    g, d = np.asarray(g, dtype=np.float64), np.asarray(d, dtype=np.float64)
    scale = np.maximum(np.maximum(np.abs(g), np.abs(d)), floor)
    return float(np.max(np.abs(g - d) / scale)) if g.size else 0.0


def normwise_error(g: np.ndarray, reference: np.ndarray) -> float:
    """‖g − r‖∞ / ‖r‖∞ (the absolute error where r is zero)."""
    return absolute_error(g, reference) / (float(np.max(np.abs(reference))) or 1.0)


def absolute_error(g: np.ndarray, reference: np.ndarray) -> float:
    """‖g − r‖∞."""
    return float(np.max(np.abs(np.asarray(g, dtype=np.float64) - reference)))
