"""A worked example in numbers: one training example through the derived formulas, by hand.

Contract: ``worked_example(report, params, x, y, rate)`` evaluates, for one example, every
named intermediate of the network function, the loss, every error term and every ∂E/∂θ,
then one gradient-descent step θ − η ∂E/∂θ. On the scalar route (``report`` has derivations
of every parameter) each value is computed from the *derived formulas* at the values shown
before it, rounded to ``DIGITS`` decimals as a student with a calculator would — so the NOT
gate's C = 0.834² = 0.696, as the course prints it — and a result whose derivation reuses an
earlier one (∂E/∂w_x1 = ∂E/∂t_1 · x) from that result as printed: every printed value follows
from printed values. Where there are no scalar derivations
(a network too wide for them), or where a value rounded to three decimals makes the next one
infinite (an output rounded to 0 or 1 under a logarithmic loss), the values come from
``derive.numeric.evaluate`` in float64 and ``why_float64`` says which of the two it was.
``float64_loss`` is always the unrounded loss, for comparison. ``example_for`` picks the
example deterministically: the last row of the spec's data, or a seeded one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.network import Network
from derive.numeric import evaluate
from derive.report import Report

DIGITS = 3


@dataclass
class Worked:
    """The numbers of one example: symbols are the model's, arrays in the canonical layout."""

    x: np.ndarray
    y: np.ndarray
    params: dict[str, np.ndarray]
    forward: list[tuple[sp.Symbol, sp.Expr, float]]
    loss: float
    float64_loss: float
    output: np.ndarray
    errors: list[tuple[sp.Symbol, float]]
    gradients: dict[str, np.ndarray]
    rate: float
    updated: dict[str, np.ndarray]
    by_hand: bool
    why_float64: str = ""
    row: int | None = None


TOO_MANY = "too many to follow by hand, they are there to check a program against"
AT_THE_EDGE = ("by hand, an output rounded to three decimals reaches the edge of the loss's "
               "domain, where the loss is infinite")


class _Unroundable(ArithmeticError):
    """A value that is infinite or not real once the values before it are rounded."""


def rounded(value: float, digits: int = DIGITS) -> float:
    """``value`` rounded to ``digits`` decimals, with −0 made 0."""
    return float(round(float(value), digits)) + 0.0


def as_printed(values) -> np.ndarray:
    """Data values as the sheet prints them (``{:g}``, six significant digits)."""
    return np.array([float(f"{float(v):g}") for v in np.ravel(values)])


def example_for(net: Network, seed: int | None = None) -> tuple[np.ndarray, np.ndarray, int | None]:
    """(x, y, data row) of the example to work: the last data row, or the row ``seed`` picks
    among those with no input 0 (where there are such rows: an input of 0 makes its weights'
    gradients 0, nothing to practise on).

    Without data, inputs are seeded N(0, 1) and targets seeded in [0, 1], one decimal.
    """
    if net.data is not None:
        xs = np.asarray(net.data["x"])
        rows = np.flatnonzero(np.all(xs != 0, axis=1))
        rows = rows if len(rows) else np.arange(len(xs))
        row = len(xs) - 1 if seed is None else int(rows[np.random.default_rng(seed).integers(
            len(rows))])
        return net.data["x"][row].copy(), net.data["y"][row].copy(), row
    rng = np.random.default_rng(0 if seed is None else seed)
    x = np.round(rng.normal(size=len(net.inputs)), 1) + 0.0
    y = np.round(rng.uniform(size=len(net.targets)), 1) + 0.0
    return x, y, None


def worked_example(report: Report, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
                   rate: float) -> Worked:
    """The numbers of one example (see the module docstring)."""
    net = report.model.net
    params = {k: np.vectorize(rounded)(np.asarray(v, dtype=float)) for k, v in params.items()}
    x, y = as_printed(x), as_printed(y)
    exact = evaluate(net, params, [list(x)], [list(y)])
    why = TOO_MANY
    if len(report.derivations) == len(report.model.params):
        try:
            work = _by_hand(report, params, x, y, rate)
        except _Unroundable:
            why = AT_THE_EDGE
        else:
            work.float64_loss = exact["loss"]
            return work
    gradients = {k: v.astype(float) for k, v in exact["gradients"].items()}
    return Worked(np.asarray(x, float), np.asarray(y, float), params, [], exact["loss"],
                  exact["loss"], exact["output"][0], [], gradients, rate,
                  {k: params[k] - rate * g for k, g in gradients.items()}, by_hand=False,
                  why_float64=why)


def _by_hand(report: Report, params: dict[str, np.ndarray], x, y, rate: float) -> Worked:
    m = report.model
    values: dict[sp.Symbol, sp.Float] = {}
    for s, v in zip(m.inputs, x, strict=True):
        values[s] = sp.Float(float(v))
    for s, v in zip(m.targets, y, strict=True):
        values[s] = sp.Float(float(v))
    for p in m.params:
        head, index = _entry(m.canonical[p])
        values[p] = sp.Float(float(params[head][index]))

    def value(expr: sp.Expr) -> float:
        exact = sp.N(m.functions_defined(expr).xreplace(values), 30)
        if not (exact.is_real and exact.is_finite):
            raise _Unroundable(expr)
        return rounded(exact)

    forward = []
    for s, expr in m.definitions.items():
        v = value(expr)
        values[s] = sp.Float(v)
        forward.append((s, expr, v))
    loss = value(m.loss_expr)
    errors = []
    for lemma in report.lemmas:
        v = value(lemma.result)
        values[lemma.target] = sp.Float(v)
        errors.append((lemma.target, v))
    gradients = {k: np.zeros_like(v) for k, v in params.items()}
    printed: dict[sp.Expr, sp.Float] = {}
    for derivation in report.sequence:
        if derivation.param is None:
            continue
        head, index = _entry(m.canonical[derivation.param])
        cited = [c for c in derivation.steps[0].cites if c in printed]
        if cited and derivation.style == "path":
            # a result that reuses an earlier one is computed, as its derivation says, from
            # that result as printed: ∂E/∂w_x1 = ∂E/∂t_1 · x with ∂E/∂t_1 to three decimals
            expr = derivation.steps[-2].rhs.xreplace({c: printed[c] for c in cited})
            v = value(expr)
        else:
            v = value(derivation.result)
        printed[derivation.target] = sp.Float(v)
        gradients[head][index] = v
    updated = {k: np.vectorize(rounded)(params[k] - rate * gradients[k]) for k in params}
    output = np.array([float(values[a]) for a in m.outputs])
    return Worked(np.asarray(x, float), np.asarray(y, float), params, forward, loss, loss,
                  output, errors, gradients, rate, updated, by_hand=True)


def _entry(key: str) -> tuple[str, tuple[int, ...]]:
    """``W1[0,1]`` → ("W1", (0, 1))."""
    head, _, rest = key.partition("[")
    return head, tuple(int(i) for i in rest.rstrip("]").split(","))


def exercise_params(net: Network, seed: int) -> dict[str, np.ndarray]:
    """Fresh seeded parameters with one decimal, easy to compute with by hand."""
    return {k: np.round(v, 1) + 0.0 for k, v in net.init_params(seed).items()}
