"""Chain-rule derivations as plain data, built the way a lecturer writes them on the board.

Contract: ``derive(model, param)`` returns a ``Derivation`` of ∂E/∂param for one example's
loss: a list of ``Step`` (left side, right side, one rule, a short detail), and the result in
named intermediates. No strings are built here beyond rule details; renderers walk the data.

Two shapes, chosen per parameter:

* **path** (the Rostock lecture's): when the parameter reaches the loss along a single path,
  the derivative is unrolled from the loss down, each line evaluating the one pending
  derivative by one rule; an intermediate's derivative stays unevaluated until its own step,
  terms free of the parameter vanish in a sum-rule step, activation derivatives go through
  their identity (N(1 − N), never the exponential).
* **delta** (backpropagation): otherwise ∂E/∂θ = δ_j · ∂z_j/∂θ, with each error term
  δ_j = ∂E/∂z_j derived once as a lemma from the layer above. Results are built from named
  intermediates, so the cost grows linearly with depth.

Pending derivatives are ``Partial(u, v)``. Right sides are unevaluated products whose factor
order is the lecture's; ``Derivation.result`` is the ordinary SymPy expression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive.errors import LimitError, SpecError
from derive.losses import fuses, get_loss
from derive.network import Network
from derive.symbolic import Model, OrderedProduct, Partial

# The one table of rules: each step's ``rule`` is a key, every renderer prints its title.
RULES = {
    "definition": "definition",
    "chain": "chain rule",
    "power": "power rule",
    "sum": "sum rule",
    "factor": "factor rule",
    "product": "product rule",
    "quotient": "quotient rule",
    "reciprocal": "reciprocal rule",
    "constant": "constant rule",
    "exponential": "exponential rule",
    "logarithm": "logarithm rule",
    "trigonometric": "trigonometric rule",
    "subgradient": "subgradient",
    "activation identity": "chain rule",
    "simplification": "simplification",
    "substitution": "substitution",
}
DEFAULT_MAX_PARAMS = 300


@dataclass(frozen=True)
class Step:
    """One equality ``lhs = rhs`` justified by ``rule`` (one of ``RULES``). ``detail`` is plain
    words; ``facts`` are the equalities (left, right) the step uses, as expressions, for the
    renderers to print in their own format; ``cites`` the targets of earlier derivations the
    step reuses (an error term δ, or ∂E/∂t of a bias), which renderers cite by number."""

    lhs: sp.Expr
    rhs: sp.Expr
    rule: str
    detail: str = ""
    facts: tuple[tuple[sp.Expr, sp.Expr], ...] = ()
    cites: tuple[sp.Expr, ...] = ()


@dataclass
class Derivation:
    """The derivation of ``target`` (∂E/∂θ, or an error term δ): steps and result."""

    target: sp.Expr
    steps: list[Step]
    result: sp.Expr
    style: str
    param: sp.Symbol | None = None
    lemmas: list[sp.Symbol] = field(default_factory=list)


def product(*factors: sp.Expr) -> sp.Expr:
    """An unevaluated product that keeps the factors in the order given."""
    kept = [f for f in factors if f is not None]
    if len(kept) == 1:
        return kept[0]
    return OrderedProduct(*kept, evaluate=False)


def factors_of(expr: sp.Expr) -> list[sp.Expr]:
    """``expr`` split into display factors, numbers first: 2*N - 2*z → [2, N - z]."""
    expr = sp.factor_terms(expr)
    if isinstance(expr, sp.Mul):
        args = list(expr.args)
        numbers = [a for a in args if a.is_number]
        return numbers + [a for a in args if not a.is_number]
    return [expr]


def _loss_primary_rule(kind: str) -> tuple[str, str]:
    rule = get_loss(kind).rule
    first, _, rest = rule.partition(", ")
    return first.split()[0], rest


class Deriver:
    """Builds derivations for one model; caches the error-term lemmas it shares."""

    def __init__(self, model: Model):
        self.m = model
        self.loss = get_loss(model.net.loss.kind)
        self.lemmas: dict[sp.Symbol, Derivation] = {}
        self.results: dict[sp.Symbol, Derivation] = {}
        self._out_of = {out: a for a, out in model.definitions.items() if a in model._a_set}

    # --- choosing the shape ------------------------------------------------------------
    def single_path(self, layer: int) -> bool:
        """Whether a parameter of ``layer`` reaches the loss along one path only."""
        net = self.m.net
        if not self.m.activation_of(len(net.layers)).elementwise:
            return False
        return all(lay.units == 1 for lay in net.layers[layer:])

    def derive(self, param: sp.Symbol, style: str = "auto") -> Derivation:
        """∂E/∂param. ``auto``: a path derivation when every parameter of the network reaches
        the loss along one path and every layer has biases (the lecture's 2-2-1 net), else by
        error terms, so that a derived δ serves every parameter of its unit. A path
        derivation reuses the result of a bias derived earlier (its own unit's, else the
        nearest above): ∂E/∂t is the loss's derivative by the unit's net input."""
        layer, _, _ = self.m.layer_of(param)
        if style == "path" and not self.single_path(layer):
            raise SpecError(f"{self.m.name(param).text} reaches the loss along more than one "
                            "path; use --style delta or auto")
        if style == "path" or (style == "auto" and self.path_network):
            pivot = self._pivot(param)
            derivation = self._reused(param, *pivot) if pivot else self._path(param)
        else:
            derivation = self._delta(param)
        self.results[param] = derivation
        return derivation

    @property
    def path_network(self) -> bool:
        """Whether ``auto`` derives along paths: every parameter reaches the loss along one
        path, and every layer has biases, whose results the later derivations reuse (without
        them, error terms δ are what a derivation can cite)."""
        return self.single_path(1) and all(layer.bias for layer in self.m.net.layers)

    def _pivot(self, param: sp.Symbol) -> tuple[int, int, Derivation] | None:
        """(layer, unit, derivation) of the nearest bias at or above ``param``'s unit whose
        derivative has already been derived; ``None`` when there is none."""
        m = self.m
        layer, unit, _ = m.layer_of(param)
        for l in range(layer, len(m.net.layers) + 1):
            bias = m.b[l][unit if l == layer else 0]
            if bias != param and bias in self.results:
                return l, unit if l == layer else 0, self.results[bias]
        return None

    def _input_text(self, l: int, j: int) -> str:
        """The unit's net input (what its activation is applied to), in plain words."""
        m = self.m
        parts = sp.Add.make_args(m.arg[l][j])
        named = [p for p in parts if p in m.canonical and not m.canonical[p].startswith("b")]
        biases = [p for p in parts if p not in named]
        return " + ".join(m.name(p).text for p in [*named, *biases])

    def _reused(self, param: sp.Symbol, l: int, j: int, pivot: Derivation) -> Derivation:
        """∂E/∂param = ∂E/∂t · ∂(i + t)/∂param, with ∂E/∂t the earlier result ``pivot``:
        param and the bias t reach the loss only through the unit's net input i + t, whose
        derivative by t is 1. The pending factor is evaluated one rule a line, as on the
        board, and the cited result put back last."""
        m = self.m
        E, bias, arg = m.loss_symbol, pivot.param, m.arg[l][j]
        lhs, cited = Partial(E, param), Partial(E, bias)
        name, t, net_in = m.name(param).text, m.name(bias).text, self._input_text(l, j)
        steps = [Step(lhs, product(cited, Partial(arg, param)), "chain",
                      f"{name} and {t} reach {m.name(E).text} only through {net_in}, and "
                      f"∂({net_in})/∂{t} = 1", cites=(cited,))]
        factors: list[sp.Expr] = []
        written = self.expand_dependent(arg, param)
        note = self._written_out(arg, param).removeprefix("; ")
        steps += self._unroll(lhs, Partial(written, param), param, factors, (cited,), note)
        kept = [f for f in factors if f != 1]
        last = pivot.steps[-1].rhs
        shown = list(last.args) if isinstance(last, OrderedProduct) else [last]
        steps.append(Step(lhs, product(*shown, *kept), "substitution", cites=(cited,)))
        return Derivation(lhs, steps, sp.Mul(pivot.result, *kept), "path", param)

    def _unroll(self, lhs: sp.Expr, pending: sp.Expr | None, param: sp.Symbol,
                factors: list[sp.Expr], lead: tuple = (), note: str = "") -> list[Step]:
        """Evaluate the pending derivative one rule a step (an activation identity or a sum
        rule), each step ``lhs = lead · factors · pending``; ``factors`` gathers what each step
        gives, and ``note`` goes with the first sum-rule step."""
        steps = []
        while pending is not None:
            u = pending.args[0]
            if isinstance(u, sp.Function) and not isinstance(u, Partial):
                new, pending, detail = self._identity_step(u, param)
                rule = "activation identity"
            else:
                new, pending, rule, detail = self._sum_step(u, param)
                detail = "; ".join(d for d in (note, detail) if d)
                note = ""
            factors += new
            steps.append(Step(lhs, product(*lead, *factors, pending), rule, detail))
        return steps

    def identity_name(self, act) -> str:
        """The activation's derivative identity spelled with the notation's function name."""
        return act.identity_name.replace(act.text, self.m.notation.function(act).text)

    # --- path derivations ----------------------------------------------------------------
    def expand_dependent(self, expr: sp.Expr, param: sp.Symbol) -> sp.Expr:
        """Write out, by definition, every intermediate in ``expr`` that depends on
        ``param`` — stopping at activation applications, whose turn comes later."""
        m = self.m

        def walk(e: sp.Expr) -> sp.Expr:
            if isinstance(e, sp.Symbol):
                if e in m.definitions and param in m.dependencies[e]:
                    return walk(m.definitions[e])
                return e
            if isinstance(e, sp.Function) and not isinstance(e, Partial):
                return e
            if not e.args:
                return e
            return e.func(*[walk(a) for a in e.args])

        return walk(expr)

    def _written_out(self, before: sp.Expr, param: sp.Symbol) -> str:
        names = sorted({self.m.name(s).text for s in before.free_symbols
                        if s in self.m.definitions and param in self.m.dependencies[s]})
        return f"; {', '.join(names)} written out by definition" if names else ""

    def _sum_step(self, u: sp.Expr, param: sp.Symbol) -> tuple[list, sp.Expr | None, str, str]:
        """Evaluate ∂u/∂param one rule deep: factors taken out and what stays pending."""
        m = self.m
        if u == param:
            return [sp.Integer(1)], None, "sum", "∂θ/∂θ = 1"
        if isinstance(u, sp.Pow) and u.exp == 2:
            base = u.base
            return [sp.Integer(2), base], Partial(base, param), "power", "power rule, chain rule"
        terms = sp.Add.make_args(u)
        live = [t for t in terms if m.depends(t, param)]
        if len(live) != 1:
            raise AssertionError("a path derivation met more than one path")
        term = live[0]
        vanish = f"terms free of {m.name(param).text} vanish" if len(terms) > 1 else ""
        coeff_args = [f for f in sp.Mul.make_args(term) if not m.depends(f, param)]
        inner_args = [f for f in sp.Mul.make_args(term) if m.depends(f, param)]
        coeff, inner = sp.Mul(*coeff_args), sp.Mul(*inner_args)
        detail = "; ".join(d for d in (vanish, "factor rule" if coeff != 1 else "") if d)
        if inner == param:
            return [coeff], None, "sum" if len(terms) > 1 else "factor", detail
        factors = [coeff] if coeff != 1 else []
        return factors, Partial(inner, param), "sum" if len(terms) > 1 else "factor", detail

    def _identity_step(self, app: sp.Expr, param: sp.Symbol):
        """∂f(u)/∂param = f'(u) · ∂u/∂param, f' by the registry's identity."""
        m = self.m
        name = type(app).__name__
        act = next(m.activation_of(l) for l in range(1, len(m.net.layers) + 1)
                   if m.activation_of(l).name == name)
        arg = app.args[0]
        out = self._out_of.get(app, app)
        identity = act.derivative(arg, out)
        written = self.expand_dependent(arg, param)
        detail = f"chain rule with {self.identity_name(act)}" + self._written_out(arg, param)
        return [identity], Partial(written, param), detail

    def _path(self, param: sp.Symbol) -> Derivation:
        m = self.m
        L = len(m.net.layers)
        E = m.loss_symbol
        lhs_E = Partial(E, param)
        steps = [Step(lhs_E, Partial(m.loss_expr, param), "definition",
                      f"definition of {m.name(E).text}")]
        layer, unit, _ = m.layer_of(param)
        k = unit if layer == L else 0
        out = m.outputs[k]
        d_loss = sp.diff(m.loss_expr, out)
        loss_factors = factors_of(d_loss)
        rule, detail = _loss_primary_rule(m.net.loss.kind)
        if len(m.outputs) > 1 and len(sp.Add.make_args(m.loss_expr)) > 1:
            detail += f"; terms free of {m.name(param).text} vanish"
        steps.append(Step(lhs_E, product(*loss_factors, Partial(out, param)), rule, detail))
        lhs_a = Partial(out, param)
        factors: list[sp.Expr] = []
        new, pending, detail = self._identity_step(m.definitions[out], param)
        factors += new
        steps.append(Step(lhs_a, product(*factors, pending), "activation identity", detail))
        steps += self._unroll(lhs_a, pending, param, factors)
        kept = [f for f in factors if f != 1] or [sp.Integer(1)]
        final = [*loss_factors, *kept]
        steps.append(Step(lhs_E, product(*final), "substitution",
                          f"{m.name(out).text}'s derivative put back"))
        result = sp.Mul(*final)
        fused = self._fused(loss_factors[0] if len(loss_factors) == 1 else sp.Mul(*loss_factors),
                            kept[0], out, m.targets[k])
        if fused is not None:
            final = [*fused, *kept[1:]]
            steps.append(Step(lhs_E, product(*final), "simplification",
                              f"{self.loss.title} and the output's derivative cancel to a − y"))
            result = sp.Mul(*final)
        return Derivation(lhs_E, steps, result, "path", param)

    def _fused(self, d_loss: sp.Expr, identity: sp.Expr, out, target) -> list[sp.Expr] | None:
        """Factors of the cancelled output delta, when the loss fuses with the output."""
        last = self.m.activation_of(len(self.m.net.layers))
        if not fuses(self.loss.name, last.name) or not last.elementwise:
            return None
        joined = sp.factor(sp.cancel(sp.Mul(d_loss, identity)))
        return factors_of(joined)

    # --- error terms and delta derivations -----------------------------------------------
    def delta(self, layer: int, unit: int) -> Derivation:
        """The lemma δ_unit of ``layer`` = ∂E/∂z, derived once and cached."""
        m = self.m
        symbol = m.deltas[layer][unit]
        if symbol in self.lemmas:
            return self.lemmas[symbol]
        L = len(m.net.layers)
        E, arg = m.loss_symbol, m.arg[layer][unit]
        steps = [Step(symbol, Partial(E, arg), "definition",
                      f"{m.name(symbol).text} is the loss's derivative by the unit's "
                      "pre-activation")]
        if layer == L:
            derivation = self._output_delta(symbol, unit, steps)
        else:
            derivation = self._hidden_delta(symbol, layer, unit, steps)
        self.lemmas[symbol] = derivation
        return derivation

    def _output_delta(self, symbol, k: int, steps: list[Step]) -> Derivation:
        m = self.m
        L = len(m.net.layers)
        E, arg, act = m.loss_symbol, m.arg[L][k], m.activation_of(L)
        outs = m.outputs
        rule, detail = _loss_primary_rule(m.net.loss.kind)
        if act.elementwise:
            out = outs[k]
            steps.append(Step(symbol, product(Partial(E, out), Partial(out, arg)), "chain",
                              f"z reaches the loss only through {m.name(out).text}"))
            d_loss = factors_of(sp.diff(m.loss_expr, out))
            steps.append(Step(symbol, product(*d_loss, Partial(out, arg)), rule, detail))
            identity = act.derivative(arg, out)
            steps.append(Step(symbol, product(*d_loss, identity), "activation identity",
                              self.identity_name(act)))
            result = sp.Mul(*d_loss, identity)
            fused = self._fused(sp.Mul(*d_loss), identity, out, m.targets[k])
        else:
            chain = [product(Partial(E, o), Partial(o, arg)) for o in outs]
            steps.append(Step(symbol, sp.Add(*chain, evaluate=False), "chain",
                              "z_k reaches the loss through every softmax output"))
            d_losses = [sp.factor_terms(sp.diff(m.loss_expr, o)) for o in outs]
            with_loss = [product(d, Partial(o, arg)) for d, o in zip(d_losses, outs, strict=True)
                         if d != 0]
            steps.append(Step(symbol, sp.Add(*with_loss, evaluate=False), rule, detail))
            jac = [act.partial(mi, k, m.arg[L], outs) for mi in range(len(outs))]
            terms = [product(d, j) for d, j in zip(d_losses, jac, strict=True) if d != 0]
            steps.append(Step(symbol, sp.Add(*terms, evaluate=False), "activation identity",
                              act.identity_name))
            result = sp.Add(*[d * j for d, j in zip(d_losses, jac, strict=True)])
            fused = None
            if fuses(self.loss.name, act.name):
                fused = factors_of(m.net.loss.factor * (outs[k] - m.targets[k]))
                detail = "the targets sum to 1, so Σ_m y_m a_k − y_k = a_k − y_k"
        if fused is not None:
            result = sp.Mul(*fused)
            steps.append(Step(symbol, product(*fused), "simplification",
                              detail if not act.elementwise else
                              f"{self.loss.title} and {act.name}' cancel to a − y"))
        return Derivation(symbol, steps, result, "lemma")

    def _hidden_delta(self, symbol, l: int, j: int, steps: list[Step]) -> Derivation:
        m = self.m
        E, arg = m.loss_symbol, m.arg[l][j]
        above = m.arg[l + 1]
        upper = [self.delta(l + 1, k).target for k in range(len(above))]
        steps.append(Step(symbol, sp.Add(*[product(Partial(E, u), Partial(u, arg))
                                           for u in above], evaluate=False), "chain",
                          "z reaches the loss through every unit of the next layer"))
        steps.append(Step(symbol, sp.Add(*[product(d, Partial(u, arg))
                                           for d, u in zip(upper, above, strict=True)],
                                         evaluate=False), "definition",
                          "the next layer's error terms", cites=tuple(upper)))
        a_j = m.a[l][j]
        squared = m.net.layers[l].input_function == "squared_distance"
        weights = [m.W[l + 1][j][k] for k in range(len(above))]
        local = [2 * (a_j - w) if squared else w for w in weights]
        steps.append(Step(symbol, sp.Add(*[product(d, c, Partial(a_j, arg))
                                           for d, c in zip(upper, local, strict=True)],
                                         evaluate=False), "power" if squared else "sum",
                          "only the term holding the unit's output survives; factor rule"))
        act = m.activation_of(l)
        identity = act.derivative(arg, a_j)
        total = sp.Add(*[d * c for d, c in zip(upper, local, strict=True)])
        shown = sp.Add(*[product(d, c) for d, c in zip(upper, local, strict=True)],
                       evaluate=False)
        steps.append(Step(symbol, product(shown, identity), "activation identity",
                          self.identity_name(act)))
        derivation = Derivation(symbol, steps, total * identity, "lemma")
        derivation.lemmas = upper
        return derivation

    def _delta(self, param: sp.Symbol) -> Derivation:
        m = self.m
        layer, unit, index = m.layer_of(param)
        lemma = self.delta(layer, unit)
        E, arg = m.loss_symbol, m.arg[layer][unit]
        lhs = Partial(E, param)
        steps = [Step(lhs, product(Partial(E, arg), Partial(arg, param)), "chain",
                      f"{m.name(param).text} reaches the loss only through unit {unit + 1} of "
                      f"layer {layer}")]
        written = arg.xreplace({s: m.definitions[s] for s in arg.free_symbols
                                if s in m.definitions})
        delta, net_in = lemma.target, self._input_text(layer, unit)
        steps.append(Step(lhs, product(delta, Partial(written, param)), "definition",
                          f"{m.name(delta).text} = ∂{m.name(E).text}/∂"
                          + (f"({net_in})" if " " in net_in else net_in) + "; "
                          f"{net_in} written out", cites=(delta,)))
        new, pending, rule, detail = self._sum_step(written, param)
        while pending is not None:
            more, pending, rule, detail = self._sum_step(pending.args[0], param)
            new += more
        steps.append(Step(lhs, product(delta, *new), rule, detail))
        result = delta * sp.Mul(*new)
        return Derivation(lhs, steps, result, "delta", param, lemmas=[delta])

    def lemma_chain(self, derivation: Derivation) -> list[Derivation]:
        """Every error-term lemma ``derivation`` relies on, output layer first."""
        seen: dict[sp.Symbol, Derivation] = {}
        todo = list(derivation.lemmas)
        while todo:
            symbol = todo.pop()
            if symbol in seen:
                continue
            lemma = self.lemmas[symbol]
            seen[symbol] = lemma
            todo += lemma.lemmas
        order = [d for l in range(len(self.m.net.layers), 0, -1) for d in self.m.deltas[l]]
        return [seen[s] for s in order if s in seen]


def check_size(net: Network, max_params: int = DEFAULT_MAX_PARAMS) -> None:
    """Refuse scalar derivations of a network over ``max_params`` parameters, before any
    symbol is made."""
    n = net.n_params
    if n > max_params:
        raise LimitError(
            f"{net.name} has {n} parameters, over the scalar-derivation limit of "
            f"{max_params}; use --delta for the matrix (backprop) form, which serves any width, "
            "or raise the limit with --max-params"
        )
