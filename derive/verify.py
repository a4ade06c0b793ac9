"""The one verifier: every derived result checked against an independent, numeric route.

Contract: ``verify(deriver, derivations)`` compares each result, each error-term lemma it uses
and each step of its derivation with the loss differentiated *numerically* at ``POINTS``
random points. That route is built from the spec alone (its layers, the activation registry's
definitions, the loss registry's formula, lambdified to mpmath), never from a derivation rule.
Every value is computed in ``WORK_DIGITS`` digits; a derivative is the central difference at
step ``STEP``·max(1, |v|), whose truncation (~``STEP``²) and rounding (~10^−WORK/``STEP``)
errors are both near 1e-80, far below ``TOLERANCE``. A pending derivative ∂u/∂v in a step is
taken the same way, each once per point (cached), as is each pair of moved forward passes.
Small networks (``SYMBOLIC_LIMIT`` parameters, ``SYMBOLIC_DEPTH`` layers, SymPy's derivative
within ``SYMBOLIC_OPS`` operations) are also checked exactly: the result, written out, minus
``sympy.diff`` of the expanded loss simplifies to 0. ``verify_expression`` checks a plain
expression's derivatives the same way. Any mismatch raises ``VerificationError``: a wrong
result is never reported as right.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.activations import ACTIVATIONS, get_activation
from derive.derivation import Derivation, Deriver
from derive.errors import VerificationError
from derive.losses import get_loss
from derive.symbolic import Model, Partial

DIGITS = 50  # significant digits of the points and of the values reported
WORK_DIGITS = 2 * DIGITS + 20  # digits every value is computed in
STEP = mpmath.mpf(10) ** -40  # central-difference step, relative to max(1, |v|)
TOLERANCE = mpmath.mpf(10) ** -35  # largest relative gap accepted
KINK = mpmath.mpf(10) ** -25  # one-sided differences further apart: not differentiable there
POINTS, POINTS_TRIED = 2, 12  # random points each result is checked at; seeds tried for them
SYMBOLIC_LIMIT = 9
SYMBOLIC_DEPTH = 2
SYMBOLIC_OPS = 200

Values = dict[sp.Expr, mpmath.mpf]
Forward = Callable[[Values, tuple[sp.Expr, mpmath.mpf] | None], Values | None]


@dataclass(frozen=True)
class Check:
    """One verified result: the parameter, the largest relative gap, and how it was checked."""

    param: sp.Symbol
    gap: float
    symbolic: bool


class Unusable(ArithmeticError):
    """A value that is not a finite real number at the point (log of a negative, 1/0, …)."""


# --- evaluation in mpmath ----------------------------------------------------------------------
@cache
def _lambdified(func, pattern: tuple, activation=None) -> Callable:
    """``func`` applied to a dummy where ``pattern`` holds None, lambdified to mpmath; an
    activation application by the registry entry ``activation``'s definition."""
    dummies = [sp.Dummy() for a in pattern if a is None]
    it = iter(dummies)
    args = [next(it) if a is None else a for a in pattern]
    body = activation.define(*args) if activation is not None else func(*args)
    return sp.lambdify(dummies, body, "mpmath")


def real(x) -> mpmath.mpf:
    """``x`` as a finite real mpf; ``Unusable`` otherwise."""
    if isinstance(x, bool | int):
        return mpmath.mpf(x)
    if isinstance(x, mpmath.mpc):
        if x.imag != 0:
            raise Unusable("not real")
        x = x.real
    if not isinstance(x, mpmath.mpf) or not mpmath.isfinite(x):
        raise Unusable("not finite")
    return x


def value(expr: sp.Expr, known: Values, partial: Callable | None = None) -> mpmath.mpf:
    """``expr`` at the values ``known`` (symbols, or whole subexpressions such as s + b), in the
    current mpmath precision. Activation applications (``sigmoid(u)``) take the registry's
    definition; ``Partial(u, v)`` takes ``partial(u, v)``. Raises ``Unusable``."""
    memo: dict = {}

    def ev(e):
        if e in memo:
            return memo[e]
        if e in known:
            out = known[e]
        elif e.is_Number or e.is_NumberSymbol:
            out = real(mpmath.mpmathify(e))
        elif e.is_Symbol:
            raise KeyError(f"no value for {e}")
        elif isinstance(e, Partial):
            if partial is None:
                raise KeyError(f"no value for {e}")
            out = partial(*e.args)
        elif e.is_Add:
            out = mpmath.fsum(ev(a) for a in e.args)
        elif e.is_Mul:
            out = mpmath.fprod(ev(a) for a in e.args)
        elif e.is_Pow:
            base, exp = ev(e.base), e.exp
            if exp.is_Integer:
                if base == 0 and exp < 0:
                    raise Unusable("division by zero")
                out = base ** int(exp)
            else:
                out = real(mpmath.power(base, ev(exp)))  # complex for a negative base
        else:
            pattern = tuple(None if a.free_symbols else a for a in e.args)
            inner = [ev(a) for a in e.args if a.free_symbols]
            act = ACTIVATIONS.get(type(e).__name__) if isinstance(e, AppliedUndef) else None
            out = real(_lambdified(e.func, pattern, act)(*inner))
        memo[e] = out
        return out

    try:
        return real(ev(sp.sympify(expr)))
    except (ZeroDivisionError, ValueError) as exc:
        raise Unusable(str(exc)) from None


def gap(got: mpmath.mpf, expected: mpmath.mpf) -> mpmath.mpf:
    """The relative gap |got − expected| / max(|expected|, 1)."""
    return abs(got - expected) / max(abs(expected), 1)


class Probe:
    """The independent route at one point: every value by ``forward``, every derivative ∂u/∂v
    by a central difference of two forward passes with v moved (each pass, and each derivative,
    computed once). ``forward(point, None)`` returns every named value at the point;
    ``forward(values, (v, h))``, given those values, returns them with v moved by h, or None
    when it cannot move v. Works in the precision current at each call (``WORK_DIGITS``)."""

    def __init__(self, forward: Forward, point: Values):
        self.forward = forward
        self.base = forward(point, None)
        self.values = dict(self.base)  # the base pass, and whatever a caller adds (δ values)
        self._moved: dict = {}
        self._partials: dict = {}

    def _pass(self, v: sp.Expr, sign: int) -> Values | None:
        key = (v, sign)
        if key not in self._moved:
            h = STEP * max(1, abs(value(v, self.base)))
            self._moved[key] = (self.forward(self.base, (v, sign * h)), h)
        return self._moved[key]

    def partial(self, u: sp.Expr, v: sp.Expr) -> mpmath.mpf | None:
        """∂u/∂v at the point (u in named values), or None when v cannot be moved or the
        point sits on a kink in v (relu or threshold at exactly 0: the one-sided differences
        disagree, and only the registry's convention gives the derivative a value)."""
        key = (u, v)
        if key not in self._partials:
            (plus, h), (minus, _) = self._pass(v, 1), self._pass(v, -1)
            result = None
            if plus is not None:
                at, up, down = value(u, self.base), value(u, plus), value(u, minus)
                right, left = (up - at) / h, (at - down) / h
                if gap(right, left) < KINK:
                    result = (up - down) / (2 * h)
            self._partials[key] = result
        return self._partials[key]

    def value(self, expr: sp.Expr) -> mpmath.mpf | None:
        """``expr`` at the point, pending derivatives taken numerically; None when one of them
        is by a variable the route cannot move."""
        missing = []

        def partial(u, v):
            got = self.partial(u, v)
            if got is None:
                missing.append((u, v))
                return mpmath.mpf(0)
            return got

        result = value(expr, self.values, partial)
        return None if missing else result


def clear_caches() -> None:
    """Forget every lambdified function, so that a timing starts cold, as a command does."""
    for cached in (_lambdified, _layer_function, _loss_function):
        cached.cache_clear()


# --- the network, built from the spec ------------------------------------------------------------
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


@cache
def _layer_function(act, units: int) -> Callable:
    """The outputs of a layer of ``act`` (a registry entry) from its pre-activations, in
    mpmath."""
    u = [sp.Dummy() for _ in range(units)]
    return sp.lambdify([u], [act.define(x) for x in u] if act.elementwise else act.define(u),
                       "mpmath")


@cache
def _loss_function(loss, spec, outputs: int) -> Callable:
    """One example's loss (``loss``, a registry entry, with ``spec``'s settings) from the
    outputs and targets, in mpmath."""
    outs, ys = [sp.Dummy() for _ in range(outputs)], [sp.Dummy() for _ in range(outputs)]
    return sp.lambdify([outs, ys], loss.example(outs, ys, spec), "mpmath")


def network_forward(model: Model) -> Forward:
    """The network's forward pass and loss from the spec (layers, registry definitions, loss
    formula) in mpmath, filling every named value: each unit's net input (s), pre-activation
    (z) and output (a), and the loss E. It may move a parameter, an input, a target or a
    unit's pre-activation (``model.arg[l][j]``, for the error terms δ = ∂E/∂z); given the
    unmoved pass's values, it recomputes only the layers from the moved one up."""
    net, sym = model.net, model.sym
    L = len(net.layers)
    layers = []
    for l, layer in enumerate(net.layers, start=1):
        units_of = [(sym[f"b{l}[{j}]"] if layer.bias else None, sym.get(f"s{l}[{j}]"),
                     sym.get(f"z{l}[{j}]"), sym[f"a{l}[{j}]"],
                     [sym[f"W{l}[{i},{j}]"] for i in range(net.sizes[l - 1])])
                    for j in range(layer.units)]
        layers.append((layer.input_function == "squared_distance",
                       _layer_function(get_activation(layer.activation), layer.units),
                       units_of))
    loss = _loss_function(get_loss(net.loss.kind), net.loss, len(net.targets))
    inputs = [[sym[f"x[{i}]"] for i in range(len(net.inputs))]]
    inputs += [[sym[f"a{l}[{j}]"] for j in range(n)] for l, n in enumerate(net.sizes[1:], 1)]
    targets = [sym[f"y[{k}]"] for k in range(len(net.targets))]
    start = {x: 1 for x in inputs[0]} | {y: L + 1 for y in targets}
    start |= {p: int(model.canonical[p].partition("[")[0][1:]) for p in model.params}
    units_at = {model.arg[l][j]: (l, j) for l in range(1, L + 1) for j in range(len(model.arg[l]))}
    start |= {arg: l for arg, (l, _) in units_at.items()}

    def forward(values: Values, move=None) -> Values | None:
        values, at, first = dict(values), None, 1
        if move is not None:
            v, h = move
            if v not in start:
                return None
            first = start[v]
            if v in units_at:
                at = units_at[v]
            else:
                values[v] += h
        prev = [values[a] for a in inputs[first - 1]] if first <= L else None
        for l, (squared, act, units_of) in enumerate(layers[first - 1:], start=first):
            args = []
            for j, (b, s, z, _, ws) in enumerate(units_of):
                w = [values[k] for k in ws]
                if squared:
                    n = mpmath.fsum((p - q) ** 2 for p, q in zip(prev, w, strict=True))
                else:
                    n = mpmath.fdot(prev, w)
                n += h if at == (l, j) else 0
                arg = n + values[b] if b is not None else n
                if s is not None:
                    values[s] = n
                if z is not None:
                    values[z] = arg
                args.append(arg)
            prev = [real(a) for a in act(args)]
            for (_, _, _, a, _), out in zip(units_of, prev, strict=True):
                values[a] = out
        outs = [values[a] for a in inputs[L]]
        values[model.loss_symbol] = real(loss(outs, [values[y] for y in targets]))
        return values

    return forward


def network_probe(deriver: Deriver, point: dict, lemmas: list[Derivation],
                  forward: Forward | None = None) -> Probe:
    """A ``Probe`` at ``point`` whose values also hold each lemma's derived error term, output
    layer first (each uses the layer above). ``forward``: ``network_forward(deriver.m)``."""
    model = deriver.m
    forward = forward or network_forward(model)
    probe = Probe(forward, {s: mpmath.mpmathify(v) for s, v in point.items()})
    by_target = {d.target: d for d in lemmas}
    for layer in reversed(model.deltas):
        for symbol in layer:
            if symbol in by_target:
                probe.values[symbol] = value(by_target[symbol].result, probe.values)
    return probe


def _check_steps(probe: Probe, steps, what: str) -> None:
    for step in steps:
        lhs, rhs = probe.value(step.lhs), probe.value(step.rhs)
        if lhs is not None and rhs is not None and not gap(rhs, lhs) < TOLERANCE:
            raise VerificationError(f"a {step.rule} step of {what} is not an equality at a "
                                    "random point")


def _check_lemma(probe: Probe, model: Model, lemma: Derivation) -> None:
    """The derived error term δ against the numeric ∂E/∂z, then each of its steps."""
    name = model.name(lemma.target).text
    layer = next(l for l, deltas in enumerate(model.deltas) if lemma.target in deltas)
    expected = probe.partial(model.loss_symbol, model.arg[layer][model.deltas[layer].index(
        lemma.target)])
    got = probe.values[lemma.target]
    # None: the unit sits exactly on a kink (a dead relu feeding a unit without bias), where
    # only the registry's convention relu'(0) = 0 gives δ a value; the results still check it.
    if expected is not None and not gap(got, expected) < TOLERANCE:
        raise VerificationError(f"the derived error term {name} differs from the loss's numeric "
                                f"derivative at a random point ({float(got):.12g} against "
                                f"{float(expected):.12g})")
    _check_steps(probe, lemma.steps, f"the error term {name}")


def verify(deriver: Deriver, derivations: list[Derivation], seed: int = 0,
           symbolic: bool | None = None) -> list[Check]:
    """Check every derivation, its lemmas and its steps (see the module docstring); raise
    ``VerificationError`` on a gap. ``symbolic``: True forces the exact check, False skips it,
    None leaves it to the size limits."""
    model = deriver.m
    lemmas = list({lemma.target: lemma for derivation in derivations
                   for lemma in deriver.lemma_chain(derivation)}.values())
    worst = {derivation.param: mpmath.mpf(0) for derivation in derivations}
    E = model.loss_symbol
    used, forward = 0, network_forward(model)
    with mpmath.workdps(WORK_DIGITS):
        for attempt in range(seed, seed + POINTS_TRIED):
            probe = network_probe(deriver, random_point(model, attempt), lemmas, forward)
            expected = {d.param: probe.partial(E, d.param) for d in derivations}
            if any(v is None for v in expected.values()):
                continue  # a kink at exactly this point (probability 0): take another
            for lemma in lemmas:
                _check_lemma(probe, model, lemma)
            for derivation in derivations:
                param = derivation.param
                got = probe.value(derivation.result)
                g = gap(got, expected[param])
                if not g < TOLERANCE:
                    raise VerificationError(
                        f"the derived ∂E/∂{param} differs from the loss's numeric derivative "
                        f"at a random point ({float(got):.12g} against "
                        f"{float(expected[param]):.12g})")
                worst[param] = max(worst[param], g)
                _check_steps(probe, derivation.steps, f"∂E/∂{param}")
            used += 1
            if used == POINTS:
                break
    if used < POINTS:
        raise VerificationError(f"the derivatives could not be checked: {POINTS_TRIED} random "
                                "points all lie on a kink of the network")
    if symbolic is None:  # automatic: small networks, small derivatives
        small = model.net.n_params <= SYMBOLIC_LIMIT and len(model.net.layers) <= SYMBOLIC_DEPTH
        symbolic = None if small else False
    checks = []
    for derivation in derivations:
        exact = symbolic is not False and _check_symbolically(deriver, derivation,
                                                              force=symbolic is True)
        checks.append(Check(derivation.param, float(worst[derivation.param]), exact))
    return checks


# --- plain expressions ------------------------------------------------------------------------
def definitions_forward(definitions: list[tuple[sp.Symbol, sp.Expr]]) -> Forward:
    """The forward pass of named definitions (in order, each in the names before it): every
    named value from the variables, one of which it may move."""

    defined = {symbol for symbol, _ in definitions}

    def forward(point: Values, move=None) -> Values | None:
        values = dict(point)
        if move is not None:
            if move[0] not in values or move[0] in defined:
                return None
            values[move[0]] += move[1]
        for symbol, definition in definitions:
            values[symbol] = value(definition, values)
        return values

    return forward


def verify_expression(report, gradient, simplifiable: Callable[[sp.Expr], bool]
                      ) -> tuple[float, bool]:
    """Check ``gradient`` (∂output/∂v of a ``derive.expression.derive`` report) against the
    expression's nodes, as parsed, differentiated numerically at random points in (0.3, 1.7)
    where the expression is real (``POINTS`` of up to ``POINTS_TRIED``), each step included,
    and at the report's own point; and symbolically (``sympy.diff`` of the written-out
    expression) when ``simplifiable`` finds both sides small. Returns (largest relative gap,
    whether symbolic); raises ``VerificationError``."""
    v, derivation, out = gradient.wrt, gradient.derivation, report.output
    reference = sp.diff(report.written_out(report.expression), v)
    got_written = report.written_out(derivation.result)
    symbolic = simplifiable(reference) and simplifiable(got_written)
    difference = got_written - reference
    if symbolic and not is_zero(difference) and difference.equals(0) is False:
        raise VerificationError(f"the derived ∂{out}/∂{v} does not simplify to SymPy's diff "
                                "of the expression")
    forward = definitions_forward([(n.symbol, n.definition) for n in report.nodes
                                   if n.op != "input"])
    worst, used = mpmath.mpf(0), 0
    with mpmath.workdps(WORK_DIGITS):
        for seed in range(POINTS_TRIED):
            rng = random.Random(seed)
            point = {x: mpmath.mpf(repr(rng.uniform(0.3, 1.7))) for x in report.variables}
            try:
                probe = Probe(forward, point)
                expected = probe.partial(out, v)
            except Unusable:
                continue
            if expected is None:
                continue
            got = _real_or_refuse(probe, derivation.result, f"∂{out}/∂{v}")
            if not gap(got, expected) < TOLERANCE:
                raise VerificationError(f"the derived ∂{out}/∂{v} differs from the expression's "
                                        f"numeric derivative at a random point ({float(got):.12g}"
                                        f" against {float(expected):.12g})")
            for step in derivation.steps:
                rhs = _real_or_refuse(probe, step.rhs, f"∂{out}/∂{v}")
                if rhs is not None and not gap(rhs, expected) < TOLERANCE:
                    raise VerificationError(f"a {step.rule} step of ∂{out}/∂{v} is not an "
                                            "equality at a random point")
            worst, used = max(worst, gap(got, expected)), used + 1
            if used == POINTS:
                break
        if used == 0 and not symbolic:
            raise VerificationError(f"∂{out}/∂{v} could not be checked: the expression has no "
                                    "real value at any random point tried")
        if gradient.value is not None:
            try:
                probe = Probe(forward, {x: mpmath.mpmathify(c) for x, c in report.point.items()})
                expected = probe.partial(out, v)
            except Unusable:
                expected = None
            if expected is not None and not gap(value(gradient.value, {}), expected) < TOLERANCE:
                raise VerificationError(f"∂{out}/∂{v} at the point differs from the expression's "
                                        "numeric derivative")
    return float(worst), symbolic


def _real_or_refuse(probe: Probe, expr: sp.Expr, what: str) -> mpmath.mpf | None:
    """``expr`` at the probe's point, where the expression itself is real: a derived value that
    is not (1/0, log of a negative) is wrong, not unusable."""
    try:
        return probe.value(expr)
    except Unusable:
        raise VerificationError(f"the derived {what} has no real value at a random point where "
                                "the expression has one") from None


# --- the exact check, for small networks ---------------------------------------------------------
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


def _check_symbolically(deriver: Deriver, derivation: Derivation, force: bool) -> bool:
    """The result, lemmas substituted and written out, minus ``sympy.diff`` of the expanded
    loss must simplify to 0. Unless ``force``, skipped (False) where SymPy's derivative has
    more than ``SYMBOLIC_OPS`` operations, beyond which ``simplify`` can take seconds."""
    model, param = deriver.m, derivation.param
    # Where a derivative does not exist (threshold, relu at 0) it is taken as 0, as the
    # registry states; DiracDelta is SymPy's way of saying the same.
    reference = sp.diff(model.expanded_loss, param).replace(sp.DiracDelta,
                                                             lambda *args: sp.Integer(0))
    if not force and sp.count_ops(reference) > SYMBOLIC_OPS:
        return False
    full = model.expand(_with_lemmas(deriver, derivation.result))
    difference = (full - reference).replace(sp.Heaviside, lambda u, *_: sp.Heaviside(u))
    if model.net.loss.kind == "categorical_cross_entropy":  # targets sum to 1
        last = model.targets[-1]
        difference = difference.xreplace({last: 1 - sp.Add(*model.targets[:-1])})
    if not is_zero(difference):
        raise VerificationError(f"the derived ∂E/∂{param} does not simplify to SymPy's diff "
                                "of the expanded loss")
    return True


def _with_lemmas(deriver: Deriver, expr: sp.Expr) -> sp.Expr:
    """``expr`` with every error term replaced by its derived formula, recursively."""
    lemmas = {d.target: d.result for d in deriver.lemmas.values()}
    for _ in range(len(deriver.m.net.layers) + 1):
        expr = expr.xreplace(lemmas)
    return expr
