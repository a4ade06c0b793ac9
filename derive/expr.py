"""Plain expressions as computational graphs, differentiated node by node and verified.

Contract: ``derive_expression(text, wrt=None, at=None)`` parses ``text`` ("e = (a + b)*(b + 1)"
or an unnamed "x**2*cos(x) + sin(x)", whose output is then named ``f``) *safely* — Python's
``ast`` only, never ``eval``/``sympify`` — into an ``ExpressionReport``: one graph node per
operation, named like the course's c = a + b, d = b + 1, e = c·d (free single letters in order,
never the user's names), the local derivative on every edge (from the table ``OPERATIONS``,
in terms of the node's own output where an identity allows: exp' = exp, σ' = σ(1 − σ)), and for
each variable of ``wrt`` (default: all, in order of appearance) the step-by-step derivation as
``derivation.Step`` data, the path sum, and — at the point ``at`` — forward- and reverse-mode
values. Every derivative is checked against ``sympy.diff`` of the written-out expression,
symbolically and at random points in 50 digits; a mismatch is a ``VerificationError``.
Anything outside numbers, names, + − * / **, unary minus and the functions of ``OPERATIONS``
is a one-line ``SpecError`` naming what is not allowed; so are oversized expressions
(more than ``MAX_NODES`` syntax nodes) and exponents beyond ``MAX_EXPONENT``.
"""

from __future__ import annotations

import ast
import math
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from derive.activations import get_activation
from derive.derivation import Derivation, Step
from derive.errors import SpecError, VerificationError
from derive.network import check_name, to_rational
from derive.symbolic import OrderedProduct, Partial

MAX_NODES = 200
MAX_EXPONENT = 64
MAX_TEXT = 2000
MAX_PATHS = 32
DIGITS = 50
TOLERANCE = sp.Float("1e-35", DIGITS)
SYMBOLIC_OPS = 400  # beyond this size the symbolic check is skipped; random points remain
# RULES of derive.derivation, plus the one rule networks never need.
EXTRA_RULES = ("trigonometric",)

sigmoid = get_activation("sigmoid").function()


@dataclass(frozen=True)
class Operation:
    """One operation: its definition and its local partial derivatives.

    ``define(*operands)`` is the SymPy expression; ``local(operands, out)`` the partial
    derivative by each operand, where ``out`` stands for the node's own value.
    ``written(*operands)`` writes the operation out for SymPy's ``diff`` (sigmoid as
    1/(1 + e^−u)); it is ``define`` for all others.
    """

    rule: str
    detail: str
    define: Callable[..., sp.Expr]
    local: Callable[[tuple, sp.Expr], tuple]
    written: Callable[..., sp.Expr] | None = None

    def full(self, *operands: sp.Expr) -> sp.Expr:
        """The operation written out in elementary functions."""
        return (self.written or self.define)(*operands)


def _pow_local(ops, out):
    u, v = ops
    return (v * u ** (v - 1), out * sp.log(u))


_tanh, _sig = get_activation("tanh"), get_activation("sigmoid")
OPERATIONS: dict[str, Operation] = {
    "add": Operation("sum", "∂(u + v)/∂u = ∂(u + v)/∂v = 1", lambda u, v: u + v,
                     lambda ops, out: (1, 1)),
    "sub": Operation("sum", "∂(u − v)/∂u = 1, ∂(u − v)/∂v = −1", lambda u, v: u - v,
                     lambda ops, out: (1, -1)),
    "mul": Operation("product", "∂(u·v)/∂u = v, ∂(u·v)/∂v = u", lambda u, v: u * v,
                     lambda ops, out: (ops[1], ops[0])),
    "div": Operation("product", "quotient rule: ∂(u/v)/∂u = 1/v, ∂(u/v)/∂v = −(u/v)/v",
                     lambda u, v: u / v, lambda ops, out: (1 / ops[1], -out / ops[1])),
    "pow": Operation("power", "∂(uᵛ)/∂u = v·uᵛ⁻¹, ∂(uᵛ)/∂v = uᵛ·ln u", lambda u, v: u**v,
                     _pow_local),
    "neg": Operation("factor", "∂(−u)/∂u = −1", lambda u: -u, lambda ops, out: (-1,)),
    "exp": Operation("exponential", "exp' = exp", sp.exp, lambda ops, out: (out,)),
    "log": Operation("logarithm", "ln'(u) = 1/u", sp.log, lambda ops, out: (1 / ops[0],)),
    "sqrt": Operation("power", "√u = u^½, so (√u)' = 1/(2√u)", sp.sqrt,
                      lambda ops, out: (1 / (2 * out),)),
    "sin": Operation("trigonometric", "sin' = cos", sp.sin, lambda ops, out: (sp.cos(ops[0]),)),
    "cos": Operation("trigonometric", "cos' = −sin", sp.cos,
                     lambda ops, out: (-sp.sin(ops[0]),)),
    "tan": Operation("trigonometric", "tan' = 1 + tan²", sp.tan, lambda ops, out: (1 + out**2,)),
    "tanh": Operation("activation identity", _tanh.identity_name, sp.tanh,
                      lambda ops, out: (_tanh.derivative(ops[0], out),)),
    "sigmoid": Operation("activation identity", _sig.identity_name, sigmoid,
                         lambda ops, out: (_sig.derivative(ops[0], out),), _sig.define),
}
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid")
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_SPELLED = {ast.BitXor: "'^' (write powers as **)", ast.FloorDiv: "'//'", ast.Mod: "'%'",
            ast.MatMult: "'@'", ast.Attribute: "attribute access", ast.Subscript: "indexing",
            ast.Compare: "a comparison", ast.Lambda: "lambda", ast.IfExp: "if/else",
            ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set",
            ast.BoolOp: "and/or", ast.Not: "not", ast.Invert: "'~'", ast.JoinedStr: "a string",
            ast.NamedExpr: "':='", ast.Starred: "'*' unpacking"}
_ASSIGNMENT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)\Z", re.S)


@dataclass(frozen=True)
class Node:
    """A graph node: an input (``op`` "input") or ``symbol = op(*operands)``."""

    symbol: sp.Symbol
    op: str
    operands: tuple[sp.Expr, ...] = ()

    @property
    def definition(self) -> sp.Expr:
        """The one-level definition in operand symbols (c = a + b)."""
        return OPERATIONS[self.op].define(*self.operands)


@dataclass(frozen=True)
class Edge:
    """``source`` feeds ``target``; ``derivative`` is ∂target/∂source in node symbols."""

    source: sp.Symbol
    target: sp.Symbol
    derivative: sp.Expr
    rule: str


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
        return _written(expr, self.nodes)

    def value(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` (in node symbols) at the point, in 50 digits."""
        return sp.sympify(expr).xreplace(self.values).evalf(DIGITS)


# --- parsing ------------------------------------------------------------------------------
def parse_point(items: list[str]) -> dict[str, float]:
    """``["a=2", "b=1"]`` as ``{"a": 2.0, "b": 1.0}``; a ``SpecError`` on anything else."""
    point: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise SpecError(f"--at takes NAME=VALUE, not {item!r}")
        name = check_name(name.strip(), "--at")
        try:
            number = float(value)
        except ValueError:
            raise SpecError(f"--at {name} must be a number, not {value.strip()!r}") from None
        if not math.isfinite(number):
            raise SpecError(f"--at {name} must be a finite number")
        if name in point:
            raise SpecError(f"--at gives {name} twice")
        point[name] = number
    return point


class _Builder:
    """Walks a checked ``ast`` tree into operations on placeholder symbols, shared when equal."""

    def __init__(self) -> None:
        self.variables: dict[str, sp.Symbol] = {}
        self.ops: list[tuple[sp.Dummy, str, tuple]] = []
        self.seen: dict[tuple, sp.Dummy] = {}

    def visit(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise SpecError(f"the constant {node.value!r} is not allowed; use numbers")
            if len(repr(node.value)) > 20:
                raise SpecError(f"the number {node.value!r} is too long (at most 20 characters)")
            return to_rational(node.value, "a number")
        if isinstance(node, ast.Name):
            if node.id not in self.variables:
                self.variables[node.id] = sp.Symbol(check_name(node.id, "variable"))
            return self.variables[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            operand = self.visit(node.operand)
            return operand if isinstance(node.op, ast.UAdd) else self.apply("neg", operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Pow) and right.is_number and not (
                    right.is_real and abs(right) <= MAX_EXPONENT):
                raise SpecError(f"the exponent {right} is too large; at most {MAX_EXPONENT} in "
                                "size")
            return self.apply(_BINARY[type(node.op)], left, right)
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                shown = name or type(node.func).__name__.lower()
                raise SpecError(f"function {shown!r} is not allowed; use one of: "
                                + ", ".join(FUNCTIONS))
            if node.keywords or len(node.args) != 1:
                raise SpecError(f"{name} takes exactly one argument")
            return self.apply(name, self.visit(node.args[0]))
        what = _SPELLED.get(type(getattr(node, "op", node)), type(node).__name__)
        raise SpecError(f"{what} is not allowed in an expression; use numbers, names, "
                        "+ - * / **, unary minus and " + ", ".join(FUNCTIONS))

    def apply(self, op: str, *operands: sp.Expr) -> sp.Expr:
        if all(o.is_number for o in operands):  # constant folding, checked to stay finite
            value = OPERATIONS[op].full(*operands)
            if not (value.is_finite and value.is_real) or abs(value.evalf()) > 1e100:
                raise SpecError(f"the constant part {sp.sstr(value)} is not a finite real "
                                "number of sensible size")
            return value
        key = (op, operands)
        if key not in self.seen:
            self.seen[key] = sp.Dummy(f"n{len(self.ops)}")
            self.ops.append((self.seen[key], op, operands))
        return self.seen[key]


def _parse(text: str) -> tuple[str | None, ast.AST]:
    if not isinstance(text, str) or not text.strip():
        raise SpecError("the expression is empty")
    if len(text) > MAX_TEXT:
        raise SpecError(f"the expression is longer than {MAX_TEXT} characters")
    name, body = None, text
    match = _ASSIGNMENT.match(text)
    if match:
        name, body = check_name(match.group(1), "output"), match.group(2)
    try:
        tree = ast.parse(body.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        msg = getattr(exc, "msg", None) or "too deeply nested"
        raise SpecError(f"the expression is not valid: {msg}") from None
    size = sum(1 for n in ast.walk(tree) if not isinstance(n, ast.expr_context))
    if size > MAX_NODES:
        raise SpecError(f"the expression has {size} syntax nodes; at most {MAX_NODES}")
    return name, tree.body


def _names(count: int, taken: set[str]) -> list[str]:
    """``count`` fresh names: single letters in order (not l or o), else u_1, u_2, …"""
    letters = [c for c in string.ascii_lowercase if c not in taken and c not in "lo"]
    if count <= len(letters):
        return letters[:count]
    fresh = (f"u_{i}" for i in range(1, 10 * MAX_NODES) if f"u_{i}" not in taken)
    return [next(fresh) for _ in range(count)]


def build_graph(text: str) -> tuple[sp.Symbol, list[sp.Symbol], list[Node]]:
    """(output, variables, nodes) of ``text``; nodes hold the variables first."""
    name, body = _parse(text)
    builder = _Builder()
    root = builder.visit(body)
    if not builder.ops or root != builder.ops[-1][0]:
        raise SpecError("the expression needs at least one operation on a variable")
    variables = list(builder.variables.values())
    taken = {v.name for v in variables} | set(FUNCTIONS)
    if name is None:
        name = next(c for c in ("f", "g", "h", "F") if c not in taken)
    elif name in taken:
        raise SpecError(f"the output {name!r} is also a variable of the expression")
    fresh = _names(len(builder.ops) - 1, taken | {name})
    rename = {d: sp.Symbol(n) for (d, _, _), n in zip(builder.ops, fresh + [name], strict=True)}
    nodes = [Node(v, "input") for v in variables]
    nodes += [Node(rename[d], op, tuple(o.xreplace(rename) for o in ops))
              for d, op, ops in builder.ops]
    return rename[root], variables, nodes


def _written(expr: sp.Expr, nodes: list[Node]) -> sp.Expr:
    full: dict[sp.Symbol, sp.Expr] = {}
    for node in nodes:
        if node.op != "input":
            full[node.symbol] = OPERATIONS[node.op].full(*[o.xreplace(full)
                                                          for o in node.operands])
    return sp.sympify(expr).xreplace(full).replace(sigmoid, _sig.define)


# --- the graph's derivatives ------------------------------------------------------------------
def graph_edges(nodes: list[Node]) -> list[Edge]:
    """One edge per (operand node, node), with its local derivative (summed if used twice)."""
    edges = []
    for node in nodes:
        if node.op == "input":
            continue
        op = OPERATIONS[node.op]
        partials = op.local(node.operands, node.symbol)
        local: dict[sp.Symbol, sp.Expr] = {}
        for operand, partial in zip(node.operands, partials, strict=True):
            if isinstance(operand, sp.Symbol):
                local[operand] = local.get(operand, 0) + sp.sympify(partial)
        rule = op.rule
        if node.op == "mul" and any(o.is_number for o in node.operands):
            rule = "factor"
        if node.op == "pow" and not node.operands[0].free_symbols:
            rule = "exponential"
        edges += [Edge(s, node.symbol, d, rule) for s, d in local.items()]
    return edges


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
    from derive.render.graph import ExprText  # details are text; the printer lives there

    tp = ExprText()
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
        locals_ = ", ".join(f"∂{u}/∂{o} = {tp.doprint(edges[(u, o)].derivative)}" for o in live)
        detail = f"{u} = {tp.doprint(node.definition)}, so {locals_}"
        if dead:
            detail += f"; {', '.join(dead)} free of {v}"
        steps.append(Step(lhs, _shown(terms), edges[(u, live[0])].rule, detail))
    named = sp.Add(*[sp.Mul(*t) for t in terms])
    if len(sp.Add.make_args(named)) != len(terms) or any(
            f.is_number or f.could_extract_minus_sign() for t in terms
            for f in [f for f in t if f != 1][1:]):
        steps.append(Step(lhs, named, "simplification", "signs and numbers collected"))
    written = report.written_out(named)
    if sp.count_ops(written) <= SYMBOLIC_OPS:
        written = sp.simplify(written)
    inner = sorted({s.name for s in named.free_symbols} - {x.name for x in report.variables})
    if inner:
        steps.append(Step(lhs, written, "substitution",
                          f"{', '.join(inner)} written in the variables"))
    return Derivation(lhs, steps, named, "graph", v)


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


# --- verification ---------------------------------------------------------------------------
def _random_point(variables: list[sp.Symbol], seed: int) -> dict[sp.Symbol, sp.Float]:
    rng = random.Random(seed)
    return {v: sp.Float(repr(rng.uniform(0.3, 1.7)), DIGITS) for v in variables}


def _usable(value: sp.Expr) -> bool:
    return bool(value.is_number and value.is_finite and value.is_real)


def _verify(report: ExpressionReport, gradient: Gradient) -> tuple[float, bool]:
    """Check against sympy.diff: symbolically (small results) and at random points."""
    v, derivation = gradient.wrt, gradient.derivation
    full = report.written_out(report.expression)
    reference = sp.diff(full, v)
    got = report.written_out(derivation.result)
    symbolic = sp.count_ops(reference) + sp.count_ops(got) <= SYMBOLIC_OPS
    if symbolic and sp.simplify(got - reference) != 0 and (got - reference).equals(0) is False:
        raise VerificationError(f"the derived ∂{report.output}/∂{v} does not simplify to "
                                "SymPy's diff of the expression")
    worst, checked = 0.0, 0
    for seed in range(12):
        point = _random_point(report.variables, seed)
        expected = reference.xreplace(point).evalf(DIGITS)
        if not _usable(expected):
            continue
        value = got.xreplace(point).evalf(DIGITS)
        gap = abs(value - expected) / max(abs(expected), 1)
        if not gap < TOLERANCE:
            raise VerificationError(f"the derived ∂{report.output}/∂{v} differs from SymPy's "
                                    f"diff at a random point ({float(value):.12g} against "
                                    f"{float(expected):.12g})")
        for step in derivation.steps:
            subs = {p: sp.diff(report.written_out(p.args[0]), p.args[1])
                    for p in step.rhs.atoms(Partial)}
            rhs = report.written_out(step.rhs.xreplace(subs)).xreplace(point).evalf(DIGITS)
            if not abs(rhs - expected) / max(abs(expected), 1) < TOLERANCE:
                raise VerificationError(f"a {step.rule} step of ∂{report.output}/∂{v} is not "
                                        "an equality at a random point")
        worst, checked = max(worst, float(gap)), checked + 1
        if checked == 2:
            break
    if checked == 0 and not symbolic:
        raise VerificationError(f"∂{report.output}/∂{v} could not be checked: the expression "
                                "has no real value at any random point tried")
    if gradient.value is not None:
        expected = reference.xreplace(report.point).evalf(DIGITS)
        if _usable(expected) and not abs(gradient.value - expected) / max(
                abs(expected), 1) < TOLERANCE:
            raise VerificationError(f"∂{report.output}/∂{v} at the point differs from SymPy's")
    return worst, symbolic


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
        gradient.gap, gradient.symbolic = _verify(report, gradient)
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
