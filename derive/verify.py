"""Proof of every derived result against SymPy's own differentiation of the expanded loss.

Contract: ``verify(deriver, derivations)`` substitutes each result's definitions back and
compares it with ``sympy.diff`` of the fully expanded per-example loss — at random points in
50-digit arithmetic always, and symbolically (the difference simplifies to 0) for networks of
at most ``SYMBOLIC_LIMIT`` parameters in at most ``SYMBOLIC_DEPTH`` layers (deeper nesting can
keep ``sympy.simplify`` busy for minutes on a few parameters). Every step of a path derivation
is checked the same way (each right side must equal the left side). Any mismatch raises
``VerificationError``: a wrong result is never reported as right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from derive.derivation import Derivation, Deriver
from derive.errors import VerificationError
from derive.symbolic import Model, Partial

DIGITS = 50
TOLERANCE = sp.Float("1e-35", DIGITS)
SYMBOLIC_LIMIT = 9
SYMBOLIC_DEPTH = 2


@dataclass(frozen=True)
class Check:
    """One verified result: the parameter, the largest relative gap, and how it was checked."""

    param: sp.Symbol
    gap: float
    symbolic: bool


def random_point(model: Model, seed: int = 0) -> dict[sp.Symbol, sp.Float]:
    """Parameters and inputs in (−1, 1); targets that suit the loss (positive, or summing to 1)."""
    rng = random.Random(seed)

    def num(lo: float, hi: float) -> sp.Float:
        return sp.Float(repr(rng.uniform(lo, hi)), DIGITS)

    point = {s: num(-1, 1) for s in [*model.params, *model.inputs]}
    kind = model.net.loss.kind
    targets = [num(0.05, 0.95) for _ in model.targets]
    if kind == "categorical_cross_entropy":
        total = sum(targets)
        targets = [t / total for t in targets]
    point.update(zip(model.targets, targets, strict=True))
    return point


def values(deriver: Deriver, point: dict) -> dict[sp.Symbol, sp.Expr]:
    """Numeric values of every intermediate and every derived error term at ``point``."""
    model = deriver.m
    known = dict(point)
    for name, expr in model.definitions.items():
        known[name] = model.functions_defined(expr).xreplace(known).evalf(DIGITS)
    for layer in range(len(model.net.layers), 0, -1):
        for unit in range(len(model.deltas[layer])):
            lemma = deriver.delta(layer, unit)
            known[lemma.target] = model.functions_defined(lemma.result).xreplace(known).evalf(
                DIGITS)
    return known


def _value(model: Model, expr: sp.Expr, known: dict, point: dict) -> sp.Expr | None:
    """``expr`` at the point, pending derivatives by parameters evaluated by ``sympy.diff``."""
    params = set(model.params)
    pending = list(expr.atoms(Partial))
    if any(p.args[1] not in params for p in pending):
        return None
    subs = {}
    for p in pending:
        u, v = p.args
        u = model.loss_expr if u == model.loss_symbol else u
        subs[p] = sp.diff(model.expand(u), v).xreplace(point)
    expr = model.functions_defined(expr.xreplace(subs))
    return expr.xreplace(known).evalf(DIGITS)


def _gap(a: sp.Expr, b: sp.Expr) -> sp.Float:
    scale = max(abs(b), sp.Float(1))
    return abs(a - b) / scale


def is_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is identically 0: over one common denominator first (``together``,
    cheap; it settles differences ``simplify`` can take minutes over), then by
    ``sympy.simplify``, and ``equals(0)`` last."""
    if expr == 0:
        return True
    for route in (sp.together, sp.simplify):
        if route(expr) == 0:
            return True
    return expr.equals(0) is True


def verify(deriver: Deriver, derivations: list[Derivation], seed: int = 0,
           symbolic: bool | None = None) -> list[Check]:
    """Check every derivation against SymPy's diff; raise ``VerificationError`` on a gap."""
    model = deriver.m
    if symbolic is None:
        symbolic = (model.net.n_params <= SYMBOLIC_LIMIT
                    and len(model.net.layers) <= SYMBOLIC_DEPTH)
    checks = []
    points = [random_point(model, seed), random_point(model, seed + 1)]
    for derivation in derivations:
        param = derivation.param
        # Where a derivative does not exist (threshold, relu at 0) it is taken as 0, as the
        # registry states; DiracDelta is SymPy's way of saying the same.
        reference = sp.diff(model.expanded_loss, param).replace(sp.DiracDelta,
                                                                 lambda *args: sp.Integer(0))
        worst = sp.Float(0)
        for point in points:
            known = values(deriver, point)
            expected = reference.xreplace(point).evalf(DIGITS)
            got = _value(model, derivation.result, known, point)
            gap = _gap(got, expected)
            if not gap < TOLERANCE:
                raise VerificationError(
                    f"the derived ∂E/∂{param} differs from SymPy's diff at a random point "
                    f"({float(got):.12g} against {float(expected):.12g})")
            worst = max(worst, gap)
            for step in derivation.steps:
                lhs = _value(model, step.lhs, known, point)
                rhs = _value(model, step.rhs, known, point)
                if lhs is not None and rhs is not None and not _gap(rhs, lhs) < TOLERANCE:
                    raise VerificationError(f"a {step.rule} step of ∂E/∂{param} is not an "
                                            "equality at a random point")
        if symbolic:
            full = model.expand(_with_lemmas(deriver, derivation.result))
            gap = (full - reference).replace(sp.Heaviside, lambda u, *_: sp.Heaviside(u))
            if model.net.loss.kind == "categorical_cross_entropy":  # targets sum to 1
                last = model.targets[-1]
                gap = gap.xreplace({last: 1 - sp.Add(*model.targets[:-1])})
            if not is_zero(gap):
                raise VerificationError(f"the derived ∂E/∂{param} does not simplify to SymPy's "
                                        "diff of the expanded loss")
        checks.append(Check(param, float(worst), symbolic))
    return checks


def _with_lemmas(deriver: Deriver, expr: sp.Expr) -> sp.Expr:
    """``expr`` with every error term replaced by its derived formula, recursively."""
    lemmas = {d.target: d.result for d in deriver.lemmas.values()}
    for _ in range(len(deriver.m.net.layers) + 1):
        expr = expr.xreplace(lemmas)
    return expr
