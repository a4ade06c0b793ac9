"""Gradient descent with a step size γ: the Rostock slides' x² from x₀ = −4, and the loop
every lesson uses.

Contract: ``descend(gradient, start, rate, steps, momentum=0, clip=None)`` is the one update
rule of the lessons, v ← m·v − ∇f(x), x ← x + γ·v (the generated module's ``train()``
writes the same rule; m = 0 is plain descent), with the gradient's length limited to ``clip``
when given; it works on any numbers (exact rationals or floats) and stops early once an
iterate leaves ``BOUND``. ``behaviour(points, values, stopped)`` names what a run did.
``descent(text, x0, rates, steps, clip)`` parses ``text`` with the safe parser of
``derive --expr``, takes its derivative from ``derive.expression`` (derived and verified
there), and runs descent from ``x0`` at each rate, and with ``clip`` each rate clipped too.
The arithmetic is exact (rationals: 0.8 is 4/5) while every iterate stays a rational of
bounded size, so x² gives (1 − 2γ)ᵏ·x₀ exactly; otherwise the whole run is float64.
Bad input (more than two variables, too many steps or rates, a point where f is undefined)
is a ``SpecError`` raised before any descent runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.errors import SpecError
from derive.expression.derive import derive_expression

MAX_STEPS = 10_000
MAX_RATES = 12
MAX_VARIABLES = 2
BOUND = 1e12  # an iterate beyond BOUND·max(1, |x₀|) has diverged: the run stops there
MAX_BITS = 1024  # exact iterates beyond this many bits fall back to float64


class _Inexact(Exception):
    """An exact run left the rationals (or grew too large for them)."""


@dataclass(frozen=True)
class Trace:
    """One descent run: iterates x₀ … x_K, f there, the gradient used at each step."""

    points: list[tuple]
    values: list
    gradients: list[tuple]
    clipped: list[bool]
    stopped: bool  # left BOUND before the last step


def descend(gradient: Callable[[list], Sequence], start: Sequence, rate, steps: int,
            momentum=0, clip=None, value: Callable[[list], object] | None = None) -> Trace:
    """``steps`` updates v ← m·v − g, x ← x + γ·v from ``start`` (see the module docstring);
    ``g`` is ∇f(x) scaled to length ``clip`` where longer. ``value(x)`` gives f(x) for the
    trace (``None``: not recorded)."""
    x = list(start)
    v = [0] * len(x)
    limit = BOUND * max(1.0, *(abs(float(c)) for c in x))
    trace = Trace([tuple(x)], [value(x) if value else None], [], [], False)
    for _ in range(steps):
        g = list(gradient(x))
        cut = clip is not None and sum(c * c for c in g) > clip * clip
        if cut:
            norm = sum(c * c for c in g)
            norm = sp.sqrt(norm) if isinstance(norm, sp.Basic) else math.sqrt(norm)
            g = [c * clip / norm for c in g]
        v = [momentum * vi - gi for vi, gi in zip(v, g, strict=True)]
        x = [xi + rate * vi for xi, vi in zip(x, v, strict=True)]
        trace.points.append(tuple(x))
        trace.gradients.append(tuple(g))
        trace.clipped.append(cut)
        trace.values.append(value(x) if value else None)
        if not all(math.isfinite(float(c)) and abs(float(c)) <= limit for c in x):
            return Trace(trace.points, trace.values, trace.gradients, trace.clipped, True)
    return trace


def behaviour(points: Sequence[Sequence[float]], values: Sequence[float],
              stopped: bool) -> str:
    """What a run did: ``diverges``, ``ping-pong without progress`` (f and the step length
    unchanged, as x² at γ = 1), ``descends but its steps do not shrink`` (a clipped walk),
    ``converges, zig-zag (ping-pong)`` (successive steps point against each other),
    ``converges``."""
    pts = np.asarray(points, dtype=float)
    f = np.asarray(values, dtype=float)
    if stopped or not np.all(np.isfinite(f)):
        return "diverges"
    if len(pts) < 2:
        return "no steps taken"
    moves = np.diff(pts, axis=0)
    first, last = np.linalg.norm(moves[0]), np.linalg.norm(moves[-1])
    tol = 1e-9 * max(1.0, abs(f[0]))
    if f[-1] > f[0] + tol and last > first:
        return "diverges"
    if last >= first * (1 - 1e-9) and first > 0:
        return ("ping-pong without progress" if f[-1] >= f[0] - tol
                else "descends but its steps do not shrink")
    turns = np.einsum("ij,ij->i", moves[1:], moves[:-1])
    if len(turns) and np.mean(turns < 0) > 0.5:
        return "converges, zig-zag (ping-pong)"
    return "converges"


@dataclass(frozen=True)
class Run:
    """Descent at one rate (and clip), with what it did."""

    rate: float
    clip: float | None
    trace: Trace
    behaviour: str
    exact: bool


@dataclass(frozen=True)
class Descent:
    """The function, its derived gradient, the start and one run per rate (and clip)."""

    text: str
    output: str
    variables: list[str]
    function: sp.Expr
    derivatives: list[sp.Expr]
    x0: tuple[float, ...]
    steps: int
    runs: list[Run]


def _rational(value) -> sp.Rational:
    if not isinstance(value, sp.Rational):
        raise _Inexact
    if max(abs(value.p).bit_length(), value.q.bit_length()) > MAX_BITS:
        raise _Inexact
    return value


def _run(variables, function, derivatives, x0, rate, steps, clip) -> Run:
    """Exactly while the iterates stay small rationals, else in float64."""
    try:
        def gradient(x):
            at = dict(zip(variables, x, strict=True))
            return [_rational(d.xreplace(at)) for d in derivatives]

        def value(x):
            return _rational(function.xreplace(dict(zip(variables, x, strict=True))))

        trace = descend(gradient, [_rational(c) for c in x0], _rational(rate), steps,
                        clip=None if clip is None else _rational(clip), value=value)
        exact = True
    except (_Inexact, ZeroDivisionError):
        f = sp.lambdify(variables, function, "numpy")
        grads = [sp.lambdify(variables, d, "numpy") for d in derivatives]
        with np.errstate(all="ignore"):
            trace = descend(lambda x: [float(g(*x)) for g in grads], [float(c) for c in x0],
                            float(rate), steps, clip=None if clip is None else float(clip),
                            value=lambda x: float(f(*x)))
        exact = False
    floats = Trace([tuple(float(c) for c in p) for p in trace.points],
                   [float(v) for v in trace.values],
                   [tuple(float(c) for c in g) for g in trace.gradients],
                   trace.clipped, trace.stopped)
    return Run(float(rate), None if clip is None else float(clip), floats,
               behaviour(floats.points, floats.values, floats.stopped), exact)


def _number(text: str, what: str) -> sp.Rational:
    try:
        value = sp.Rational(str(text).strip())
    except (TypeError, ValueError, SyntaxError):
        raise SpecError(f"{what} must be a number, not {text!r}") from None
    if not value.is_finite or abs(value) > 1e12:
        raise SpecError(f"{what} must be a finite number of sensible size, not {text!r}")
    return value


def descent(text: str, x0: Sequence[str | float], rates: Sequence[str | float] = ("0.8",
            "0.7", "0.2"), steps: int = 10, clip: str | float | None = None) -> Descent:
    """Gradient descent on ``text`` from ``x0`` at each rate (see the module docstring)."""
    if not 1 <= steps <= MAX_STEPS:
        raise SpecError(f"--steps must be between 1 and {MAX_STEPS}, not {steps}")
    if not 1 <= len(rates) <= MAX_RATES:
        raise SpecError(f"give between 1 and {MAX_RATES} rates, not {len(rates)}")
    gammas = [_number(r, "a rate γ") for r in rates]
    if any(g <= 0 for g in gammas):
        raise SpecError("every rate γ must be positive")
    cap = None if clip is None else _number(clip, "--clip")
    if cap is not None and cap <= 0:
        raise SpecError("--clip must be positive: the longest gradient allowed")
    report = derive_expression(text)
    names = [v.name for v in report.variables]
    if len(names) > MAX_VARIABLES:
        raise SpecError(f"descent takes a function of one or two variables; "
                        f"{text.strip()!r} has {len(names)} ({', '.join(names)})")
    if len(x0) != len(names):
        raise SpecError(f"--x0 needs {len(names)} value(s), one for each of "
                        f"{', '.join(names)}, in that order; got {len(x0)}")
    start = [_number(c, "--x0") for c in x0]
    function = report.written_out(report.expression)
    derivatives = [report.written_out(g.in_inputs) for g in report.gradients]
    at = dict(zip(report.variables, start, strict=True))
    values = [sp.N(e.xreplace(at)) for e in [function, *derivatives]]
    if not all(v.is_real and v.is_finite for v in values):
        raise SpecError(f"f or its derivative has no finite real value at x₀ = "
                        f"{', '.join(map(str, x0))}; start elsewhere")
    runs = []
    for gamma in gammas:
        runs.append(_run(report.variables, function, derivatives, start, gamma, steps, None))
        if cap is not None:
            runs.append(_run(report.variables, function, derivatives, start, gamma, steps,
                             cap))
    return Descent(report.text, report.output.name, names, function, derivatives,
                   tuple(float(c) for c in start), steps, runs)
