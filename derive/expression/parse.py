"""Computational graphs of plain expressions: safe parsing, one node per operation.

Contract: ``build_graph(text)`` parses ``text`` ("e = (a + b)*(b + 1)", or an unnamed
"x**2*cos(x) + sin(x)" whose output is then named ``f``) with Python's ``ast`` only — never
``eval``/``sympify`` — into its output symbol, its variables (in order of appearance) and its
nodes: the variables first, then one ``Node`` per operation in topological order, named like the
course's c = a + b, d = b + 1, e = c·d (free single letters in order, never the user's names).
``graph_edges(nodes)`` puts the local derivative on every edge, from the table ``OPERATIONS``
(in terms of the node's own output where an identity allows: exp' = exp, σ' = σ(1 − σ)).
Anything outside numbers, names, + − * / **, unary minus and the functions of ``OPERATIONS``
is a one-line ``SpecError`` naming what is not allowed; so are oversized expressions (more than
``MAX_NODES`` syntax nodes) and exponents beyond ``MAX_EXPONENT``. ``parse_point`` reads the
``--at NAME=VALUE`` point.
"""

from __future__ import annotations

import ast
import math
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derive.activations import get_activation
from derive.errors import SpecError
from derive.network import check_name, to_rational

MAX_NODES = 200
MAX_EXPONENT = 64
MAX_TEXT = 2000

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
    "div": Operation("quotient", "quotient rule: ∂(u/v)/∂u = 1/v, ∂(u/v)/∂v = −(u/v)/v",
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


# --- parsing ------------------------------------------------------------------------------
def parse_point(items: list[str]) -> dict[str, float]:
    """``["a=2", "b=1"]`` (or ``["a=2,b=1"]``) as ``{"a": 2.0, "b": 1.0}``; else ``SpecError``."""
    point: dict[str, float] = {}
    for item in (part for entry in items for part in entry.split(",") if part.strip()):
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


def in_variables(expr: sp.Expr, nodes: list[Node]) -> sp.Expr:
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
        rules = dict.fromkeys(local, rule)
        if node.op == "div":  # u/v: 1/v is a constant factor of u; v's is the quotient rule
            u, v = node.operands
            rules = {s: "factor" if s == u and s != v else
                     "reciprocal" if u.is_number else "quotient" for s in local}
        edges += [Edge(s, node.symbol, d, rules[s]) for s, d in local.items()]
    return edges
