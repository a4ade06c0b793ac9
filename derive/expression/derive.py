"""Plain expressions differentiated node by node over their computational graph, verified.

Contract: ``derive_expression(text, wrt=None, at=None)`` builds the graph of ``text`` with
``derive.expression.parse`` (safe parsing, one node per operation, the local derivative on every
edge) into an ``ExpressionReport`` holding, for each variable of ``wrt`` (default: all, in order
of appearance), the step-by-step derivation as ``derivation.Step`` data, the path sum (the first
``MAX_PATHS`` paths), and — at the point ``at`` — forward- and reverse-mode values. Every
derivative, each step included, is checked by ``derive.verify.verify_expression`` (numerically
at random points; symbolically when small); a mismatch is a ``VerificationError``. Parsing
errors are one-line ``SpecError``s (see ``derive.expression.parse``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive.derivation import Derivation, Step
from derive.errors import SpecError
from derive.expression.parse import (
    OPERATIONS,
    Edge,
    Node,
    build_graph,
    graph_edges,
    in_variables,
    parse_point,
    sigmoid,
)
from derive.network import to_rational
from derive.symbolic import OrderedProduct, Partial
from derive.verify import DIGITS, is_zero, verify_expression

__all__ = ["ExpressionReport", "Gradient", "ModeLine", "Path", "derive_expression",
           "parse_point", "sigmoid"]

MAX_PATHS = 32
SYMBOLIC_OPS = 400  # beyond this size the symbolic check is skipped; random points remain
MAX_SIMPLIFY_POWER = 6


@dataclass(frozen=True)
class Path:
    """One path from a variable to the output: its nodes and its edge derivatives."""

    nodes: tuple[sp.Symbol, ...]
    factors: tuple[sp.Expr, ...]


@dataclass(frozen=True)
class ModeLine:
    """One line of forward or reverse mode: ``node``'s value as Σ local·carried."""

    node: sp.Symbol
    terms: tuple[tuple[sp.Expr, sp.Symbol], ...]  # (local derivative, the node it carries)
    value: sp.Expr | None


@dataclass
class Gradient:
    """∂output/∂wrt: the derivation, the result in the inputs, paths, forward mode."""

    wrt: sp.Symbol
    derivation: Derivation
    in_inputs: sp.Expr
    paths: list[Path]
    n_paths: int
    forward: list[ModeLine]
    value: sp.Expr | None
    gap: float
    symbolic: bool


@dataclass
class ExpressionReport:
    """Everything ``chainrule derive --expr`` shows; renderers walk it."""

    text: str
    output: sp.Symbol
    variables: list[sp.Symbol]
    nodes: list[Node]  # the variables first, then operations in topological order
    edges: list[Edge]
    expression: sp.Expr  # in the variables, functions as written (sigmoid kept)
    point: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    gradients: list[Gradient] = field(default_factory=list)
    reverse: list[ModeLine] = field(default_factory=list)

    def written_out(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every intermediate and sigmoid written in the variables."""
        return in_variables(expr, self.nodes)

    def value(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` (in node symbols) at the point, in 50 digits."""
        return sp.sympify(expr).xreplace(self.values).evalf(DIGITS)


def _depends(nodes: list[Node]) -> dict[sp.Symbol, set[sp.Symbol]]:
    deps: dict[sp.Symbol, set[sp.Symbol]] = {}
    for node in nodes:
        deps[node.symbol] = {node.symbol} if node.op == "input" else set().union(
            *[deps[o] for o in node.operands if isinstance(o, sp.Symbol)])
    return deps


def _product(factors: list[sp.Expr]) -> sp.Expr:
    kept = [f for f in factors if f != 1] or [sp.Integer(1)]
    return kept[0] if len(kept) == 1 else OrderedProduct(*kept, evaluate=False)


def _shown(terms: list[list[sp.Expr]]) -> sp.Expr:
    parts = [_product(t) for t in terms]
    return parts[0] if len(parts) == 1 else sp.Add(*parts, evaluate=False)


def _derivation(report: ExpressionReport, v: sp.Symbol) -> Derivation:
    """∂output/∂v, one node's chain rule per step, from the output down."""
    nodes = {n.symbol: n for n in report.nodes}
    order = {n.symbol: i for i, n in enumerate(report.nodes)}
    edges = {(e.target, e.source): e for e in report.edges}
    deps = _depends(report.nodes)
    out = report.output
    lhs = Partial(out, v)
    steps = [Step(lhs, Partial(nodes[out].definition, v), "definition", f"definition of {out}")]
    terms: list[list[sp.Expr]] = [[Partial(out, v)]]
    while True:
        pending = {f.args[0] for t in terms for f in t if isinstance(f, Partial)}
        if not pending:
            break
        u = max(pending, key=order.__getitem__)
        node = nodes[u]
        operands = [o for o in dict.fromkeys(node.operands) if isinstance(o, sp.Symbol)]
        live = [o for o in operands if v in deps[o]]
        new_terms = []
        for term in terms:
            if Partial(u, v) not in term:
                new_terms.append(term)
                continue
            at = term.index(Partial(u, v))
            for o in live:
                tail = [] if o == v else [Partial(o, v)]
                new_terms.append(term[:at] + [edges[(u, o)].derivative] + tail + term[at + 1:])
        terms = new_terms
        dead = [o.name for o in operands if o not in live]
        facts = ((u, node.definition),
                 *((Partial(u, o), edges[(u, o)].derivative) for o in live))
        detail = f"{', '.join(dead)} free of {v}" if dead else ""
        steps.append(Step(lhs, _shown(terms), edges[(u, live[0])].rule, detail, facts))
    named = sp.Add(*[sp.Mul(*t) for t in terms])
    if len(sp.Add.make_args(named)) != len(terms) or any(
            f.is_number or f.could_extract_minus_sign() for t in terms
            for f in [f for f in t if f != 1][1:]):
        steps.append(Step(lhs, named, "simplification", "signs and numbers collected"))
    written = report.written_out(named)
    neuron = _sigmoid_neuron(report, written)
    if neuron is not None:
        written = neuron
    elif _simplifiable(written):
        written = sp.simplify(written)
    inner = sorted({s.name for s in named.free_symbols} - {x.name for x in report.variables})
    if inner:
        steps.append(Step(lhs, written, "substitution",
                          f"{', '.join(inner)} written in the variables"))
    return Derivation(lhs, steps, named, "graph", v)


def _sigmoid_neuron(report: ExpressionReport, expr: sp.Expr) -> sp.Expr | None:
    """``expr`` as σ(u)(1 − σ(u))·rest when the output is σ(u) written out — a sigmoid
    neuron, whose derivative reads as the lecture's σ(1 − σ)·x rather than a cosh⁻²; ``None``
    otherwise."""
    out = report.written_out(report.output)
    if not out.has(sp.exp) or sp.count_ops(out) > SYMBOLIC_OPS:
        return None
    u = -sp.expand_log(sp.log(sp.simplify(1 / out - 1)), force=True)  # e^{−u} = 1/σ − 1
    if u.has(sp.exp, sp.log) or not is_zero(1 / (1 + sp.exp(-u)) - out):
        return None
    s = 1 / (1 + sp.exp(-u))
    rest = sp.simplify(expr / (s * (1 - s)))
    if rest.has(sp.exp, sp.cosh, sp.sinh, sp.tanh):
        return None
    return OrderedProduct(sigmoid(u), 1 - sigmoid(u), rest, evaluate=False)


def _simplifiable(expr: sp.Expr) -> bool:
    """Whether ``sympy.simplify`` is cheap enough to tidy ``expr`` for display: small, and
    no power above ``MAX_SIMPLIFY_POWER`` (simplify expands such powers of sums)."""
    powers = [p.exp for p in expr.atoms(sp.Pow) if p.exp.is_Number]
    return (sp.count_ops(expr) <= SYMBOLIC_OPS
            and all(abs(e) <= MAX_SIMPLIFY_POWER for e in powers))


def _paths(report: ExpressionReport, v: sp.Symbol) -> tuple[list[Path], int]:
    """The first ``MAX_PATHS`` paths from ``v`` to the output, and how many there are."""
    up: dict[sp.Symbol, list] = {n.symbol: [] for n in report.nodes}
    for e in report.edges:
        up[e.source].append(e)
    count: dict[sp.Symbol, int] = {}
    for node in reversed(report.nodes):
        s = node.symbol
        count[s] = 1 if s == report.output else sum(count[e.target] for e in up[s])
    found: list[Path] = []

    def walk(s: sp.Symbol, nodes: tuple, factors: tuple) -> None:
        if len(found) >= MAX_PATHS:
            return
        if s == report.output:
            found.append(Path(nodes, factors))
        for e in up[s]:
            walk(e.target, nodes + (e.target,), factors + (e.derivative,))

    walk(v, (v,), ())
    return found, count[v]


def _forward(report: ExpressionReport, v: sp.Symbol) -> list[ModeLine]:
    """Forward mode: ∂n/∂v for every node n that depends on v, inputs first."""
    deps, into = _depends(report.nodes), {}
    for e in report.edges:
        into.setdefault(e.target, []).append(e)
    lines, tangent = [], {v: sp.Integer(1)}
    for node in report.nodes:
        s = node.symbol
        if s == v or v not in deps[s]:
            continue
        terms = tuple((e.derivative, e.source) for e in into[s] if v in deps[e.source])
        if report.values:
            tangent[s] = sum(report.value(d) * tangent[o] for d, o in terms)
        lines.append(ModeLine(s, terms, tangent.get(s)))
    return lines


def _reverse(report: ExpressionReport) -> list[ModeLine]:
    """Reverse mode: ∂output/∂n for every node n, from the output down, in one sweep."""
    out_of: dict[sp.Symbol, list[Edge]] = {}
    for e in report.edges:
        out_of.setdefault(e.source, []).append(e)
    adjoint = {report.output: sp.Integer(1)}
    lines = []
    for node in reversed(report.nodes[:-1]):
        s = node.symbol
        terms = tuple((e.derivative, e.target) for e in out_of.get(s, []))
        if report.values:
            adjoint[s] = sum(adjoint[t] * report.value(d) for d, t in terms)
        lines.append(ModeLine(s, terms, adjoint.get(s)))
    return lines


def _usable(value: sp.Expr) -> bool:
    return bool(value.is_number and value.is_finite and value.is_real)


# --- the whole report -----------------------------------------------------------------------
def derive_expression(text: str, wrt: list[str] | None = None,
                      at: dict[str, float] | None = None) -> ExpressionReport:
    """Parse, build the graph, derive and verify (see the module docstring)."""
    output, variables, nodes = build_graph(text)
    by_name = {v.name: v for v in variables}
    listing = ", ".join(by_name)
    for name in [*(wrt or []), *(at or {})]:
        if name not in by_name:
            raise SpecError(f"{name!r} is not a variable of the expression; its variables "
                            f"are {listing}")
    report = ExpressionReport(text.strip(), output, variables, nodes, graph_edges(nodes),
                              _expression_as_written(nodes, output))
    if at:
        missing = [n for n in by_name if n not in at]
        if missing:
            raise SpecError(f"--at gives no value for {', '.join(missing)}; give every "
                            f"variable ({listing})")
        report.point = {by_name[n]: to_rational(at[n], f"--at {n}") for n in by_name}
        _evaluate(report)
    report.reverse = _reverse(report)
    for name in dict.fromkeys(wrt or by_name):
        v = by_name[name]
        derivation = _derivation(report, v)
        paths, n_paths = _paths(report, v)
        value = report.value(derivation.result) if report.values else None
        gradient = Gradient(v, derivation, derivation.steps[-1].rhs, paths, n_paths,
                            _forward(report, v), value, 0.0, False)
        try:
            gradient.gap, gradient.symbolic = verify_expression(report, gradient, _simplifiable)
        except (OverflowError, ArithmeticError):  # values past what even mpmath can hold
            raise SpecError(f"∂{report.output}/∂{name} takes values too large to compute "
                            "(over about 10^(10^8)); nest fewer exponentials") from None
        report.gradients.append(gradient)
    return report


def _expression_as_written(nodes: list[Node], output: sp.Symbol) -> sp.Expr:
    nested: dict[sp.Symbol, sp.Expr] = {}
    for node in nodes:
        if node.op != "input":
            nested[node.symbol] = node.definition.xreplace(nested)
    return nested[output]


def _evaluate(report: ExpressionReport) -> None:
    """Every node's value at the point, exact where possible; a ``SpecError`` if undefined."""
    values: dict[sp.Symbol, sp.Expr] = dict(report.point)
    for node in report.nodes:
        if node.op == "input":
            continue
        value = OPERATIONS[node.op].full(*[o.xreplace(values) for o in node.operands])
        if not _usable(value.evalf(DIGITS)):
            raise SpecError(f"at the point, {node.symbol} = {sp.sstr(node.definition)} has no "
                            "finite real value")
        values[node.symbol] = value
    report.values = values
