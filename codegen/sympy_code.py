"""Printing the registries' SymPy expressions as vectorised, ruff-formatted NumPy code.

Contract: ``vectorize(expr, components)`` turns an expression in the scalar symbols of one
example (``a_k``, ``y_k``, ``z_k`` for every output ``k``) into one in whole-array symbols,
where a sum over every output becomes ``Rowsum`` and a fold of ``logaddexp`` over every output
becomes ``RowLogSumExp``; anything it cannot vectorise is a ``SpecError``. ``stabilize(expr)``
applies the float-safety rewrites (``sympy.codegen.rewriting``) before printing.
``NumpyPrinter().doprint(expr)`` prints an expression exactly as ``ruff format`` would lay it
out; ``doprint_into(expr, target)`` prints statements that write it into an existing array
with ``out=`` so training allocates nothing, each call a ``codegen.layout.Call`` that can be
laid out in lines. The printer recurses through itself only and
refuses (``SpecError``) any node it does not know.
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.numpy_nodes import logaddexp
from sympy.codegen.rewriting import ReplaceOptim, log1p_opt, optimize
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from codegen.layout import Call
from derive.activations import get_activation
from derive.errors import SpecError


class Rowsum(sp.Function):
    """Σ over the outputs of one example: a sum along axis 1 of an (n, K) array."""

    nargs = 1


class RowLogSumExp(sp.Function):
    """ln Σ_k exp(x_k) over the outputs of one example, folded stably with logaddexp."""

    nargs = 1


def vectorize(expr: sp.Expr, components: list[dict[sp.Symbol, sp.Symbol]]) -> sp.Expr:
    """``expr`` in array symbols: ``components[k]`` maps output k's scalar symbols to arrays.

    Every component map must have the same arrays in the same order. Sums over all outputs
    (each term the same up to the output index) become ``Rowsum``; a ``logaddexp`` fold over
    all outputs becomes ``RowLogSumExp``. The result may only use output 0's symbols, which
    are then replaced by their arrays.
    """
    k_count = len(components)
    first = list(components[0])
    to_first = [dict(zip(c, first, strict=True)) for c in components]
    owner = {s: k for k, c in enumerate(components) for s in c}

    def index_of(e: sp.Expr) -> set[int]:
        return {owner[s] for s in e.free_symbols if s in owner}

    def as_array(e: sp.Expr, k: int) -> sp.Expr:
        return e.xreplace(to_first[k]).xreplace(components[0])

    def fold_leaves(e: sp.Expr) -> list[sp.Expr]:
        if isinstance(e, logaddexp):
            return [leaf for arg in e.args for leaf in fold_leaves(arg)]
        return [e]

    def walk(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        e = e.func(*[walk(arg) for arg in e.args])
        if k_count < 2:
            return e
        if isinstance(e, sp.Add):
            groups: dict[int, list[sp.Expr]] = {}
            rest = []
            for term in e.args:
                where = index_of(term)
                if len(where) == 1:
                    groups.setdefault(where.pop(), []).append(term)
                else:
                    rest.append(term)
            if len(groups) == k_count:
                sums = {k: as_array(sp.Add(*terms), k) for k, terms in groups.items()}
                if all(s == sums[0] for s in sums.values()):
                    return sp.Add(*rest, Rowsum(sums[0]))
        if isinstance(e, logaddexp):
            leaves = fold_leaves(e)
            if len(leaves) == k_count and sorted(len(index_of(x)) for x in leaves) == [1] * k_count:
                mapped = {index_of(x).pop(): as_array(x, index_of(x).pop()) for x in leaves}
                if len(mapped) == k_count and all(m == mapped[0] for m in mapped.values()):
                    return RowLogSumExp(mapped[0])
        return e

    result = walk(expr)
    stray = index_of(result) - {0}
    if stray:
        raise SpecError(f"cannot vectorise {expr} over the outputs")
    return result.xreplace(components[0])


_u = sp.Wild("u")


def _sigmoid_arg(e: sp.Expr) -> sp.Expr | None:
    """u when ``e`` is σ(u) written as exp(−logaddexp(0, −u)) or 1/(1 + exp(−u)); else None."""
    match = e.match(sp.exp(-logaddexp(0, _u))) or e.match(1 / (1 + sp.exp(_u)))
    return -match[_u] if match else None


# σ(u) in the registry's code form (see ``Activation.code``); ln σ is kept as logaddexp by
# _log_of_exp, which runs first.
_sigmoid_as_tanh = ReplaceOptim(
    lambda e: _sigmoid_arg(e) is not None,
    lambda e: get_activation("sigmoid").code_form(_sigmoid_arg(e)),
)
# ln exp(x) = x for the real x of a network: keeps ln σ(z) as −logaddexp(0, −z).
_log_of_exp = ReplaceOptim(
    lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.exp),
    lambda e: e.args[0].args[0],
)


def _divides_by(expr: sp.Expr, outs: list[sp.Symbol]) -> bool:
    return bool(sp.fraction(sp.together(expr))[1].free_symbols & set(outs))


def cancel_outputs(expr: sp.Expr, outs: list[sp.Symbol]) -> sp.Expr:
    """``expr`` as written, unless it divides by one of ``outs`` and factoring cancels that
    (an output that underflows to 0 must not reach a denominator)."""
    if not _divides_by(expr, outs):
        return expr
    factored = sp.factor(expr)
    return expr if _divides_by(factored, outs) else factored


def stabilize(expr: sp.Expr) -> sp.Expr:
    """``expr`` rewritten for float evaluation: ln(exp(x)) → x, ln(1 + x) → log1p, σ → tanh."""
    return optimize(expr, [_log_of_exp, log1p_opt, _sigmoid_as_tanh])


def _softmax_arg(e: sp.Expr) -> sp.Expr | None:
    """x when ``e`` is exp(x − RowLogSumExp(x)); else None."""
    if isinstance(e, sp.exp):
        lse = [t for t in sp.Add.make_args(e.args[0]) if isinstance(-t, RowLogSumExp)]
        if len(lse) == 1 and e.args[0] - lse[0] == (-lse[0]).args[0]:
            return (-lse[0]).args[0]
    return None


def _max_args(expr: sp.Max) -> list[sp.Expr]:
    """The two arguments of a maximum, a 0 last (np.maximum(z, 0))."""
    zero = [a for a in expr.args if a == 0]
    other = [a for a in expr.args if a != 0]
    return other + zero if zero else list(expr.args)


_FUNCTIONS = {
    sp.exp: "np.exp",
    sp.log: "np.log",
    sp.tanh: "np.tanh",
    sp.cosh: "np.cosh",
    sp.sinh: "np.sinh",
    log1p: "np.log1p",
    expm1: "np.expm1",
    logaddexp: "np.logaddexp",
}


class NumpyPrinter(StrPrinter):
    """NumPy source for the expressions of generated modules, laid out as ``ruff format`` does.

    Rationals with a power-of-two denominator print as floats (0.5); others as divisions.
    """

    printmethod = "_numpycode"

    def emptyPrinter(self, expr: object) -> str:
        raise SpecError(f"code generation cannot print {type(expr).__name__}: {expr}")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return expr.name

    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(int(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q & (expr.q - 1) == 0:
            return repr(float(expr))
        return f"{expr.p} / {expr.q}"

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Half(self, expr: sp.Rational) -> str:
        return "0.5"

    def _print_NegativeOne(self, expr: sp.Integer) -> str:
        return "-1"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = self._terms(expr)
        out = self._print(terms[0])
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                out += " - " + self.parenthesize(-term, PRECEDENCE["Add"], strict=True)
            else:
                out += " + " + self.parenthesize(term, PRECEDENCE["Add"])
        return out

    def _terms(self, expr: sp.Add) -> list[sp.Expr]:
        """The terms of a sum, positive ones first (a2 - Y rather than -Y + a2)."""
        terms = self._as_ordered_terms(expr, order=None)
        return sorted(terms, key=lambda t: t.could_extract_minus_sign())

    def _print_Mul(self, expr: sp.Mul) -> str:
        if expr.could_extract_minus_sign():
            if (-expr).is_Pow:  # ruff writes -(z**2), making the precedence plain
                return f"-({self._print(-expr)})"
            return "-" + self.parenthesize(-expr, PRECEDENCE["Mul"], strict=True)
        num, den = sp.fraction(expr, exact=True)
        factors = sp.Mul.make_args(num)
        text = " * ".join(self.parenthesize(f, PRECEDENCE["Mul"]) for f in factors)
        if den == 1:
            return text
        # A product below the line keeps its parentheses: a / (2 * n), not a / 2 * n.
        return f"{text} / {self.parenthesize(den, PRECEDENCE['Mul'])}"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return f"np.sqrt({self._print(base)})"
        if exp.is_negative:
            return f"1 / {self.parenthesize(base**-exp, PRECEDENCE['Mul'])}"
        b = self.parenthesize(base, PRECEDENCE["Pow"], strict=True)
        e = self.parenthesize(exp, PRECEDENCE["Pow"], strict=True)
        # ruff hugs ** only when both operands are simple (names, numbers).
        simple = (base.is_Symbol or base.is_Number) and exp.is_Number
        return f"{b}**{e}" if simple else f"{b} ** {e}"

    def _print_Function(self, expr: sp.Function) -> str:
        name = _FUNCTIONS.get(expr.func)
        if name is None:
            return self.emptyPrinter(expr)
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    _print_exp = _print_log = _print_tanh = _print_Function

    def _print_Max(self, expr: sp.Max) -> str:
        if len(expr.args) != 2:
            return self.emptyPrinter(expr)
        return f"np.maximum({', '.join(self._print(a) for a in _max_args(expr))})"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        # H(x, 0) is the mask x > 0 and H(x, 1) is x >= 0: a comparison is 4x np.heaviside's speed.
        arg, at_zero = expr.args
        if at_zero not in (0, 1):
            return f"np.heaviside({self._print(arg)}, {self._print(at_zero)})"
        return f"{self._print(arg)} {'>' if at_zero == 0 else '>='} 0"

    def parenthesize(self, item: sp.Basic, level: int, strict: bool = False) -> str:
        if isinstance(item, sp.Heaviside):  # printed as a comparison, which binds loosest
            return f"({self._print(item)})"
        return super().parenthesize(item, level, strict)

    def _print_Rowsum(self, expr: Rowsum) -> str:
        # The array method skips np.sum's Python wrapper: it matters on small batches.
        arg = expr.args[0]
        if arg.is_Symbol:
            return f"{self._print(arg)}.sum(axis=1, keepdims=True)"
        return f"np.sum({self._print(arg)}, axis=1, keepdims=True)"

    def _print_RowLogSumExp(self, expr: RowLogSumExp) -> str:
        # A call to the module's _logsumexp (max-shifted; 3x np.logaddexp.reduce's speed).
        return f"_logsumexp({self._print(expr.args[0])})"

    def doprint_into(self, expr: sp.Expr, target: str, lse: str | None = None) -> list[str]:
        """Statements writing ``expr`` into the existing array ``target``, in place.

        The expression is built up inside ``target`` itself, one ufunc call with ``out=`` or
        augmented assignment per operation, so no (n, units) temporary is allocated. A softmax
        also leaves its row log-sum-exp in the (n, 1) array ``lse`` when one is named.
        """
        softmax, out = _softmax_arg(expr), f"out={target}"
        if softmax is not None:
            # exp(x − lse x) = exp(x − max x) / Σ exp(x − max x): no overflow, one pass less.
            x = self._print(softmax)
            if lse is None:
                return [Call("np.subtract", [x, f"{x}.max(axis=1, keepdims=True)", out]),
                        Call("np.exp", [target, out]),
                        f"{target} /= {target}.sum(axis=1, keepdims=True)"]
            return [Call(f"{x}.max", ["axis=1", "keepdims=True", f"out={lse}"]),
                    Call("np.subtract", [x, lse, out]),
                    Call("np.exp", [target, out]),
                    f"rowsum = {target}.sum(axis=1, keepdims=True)",
                    f"{target} /= rowsum",
                    f"{lse} += np.log(rowsum)"]
        if lse is not None:
            raise SpecError(f"only a softmax leaves a log-sum-exp behind, not {expr}")
        if sp.Symbol(target) in expr.free_symbols:  # it would be overwritten while still read
            return [self._call_into(expr, target)]
        return self._into(expr, target)

    def _into(self, expr: sp.Expr, target: str) -> list[str]:
        """In-place statements for ``expr``: its first operand into ``target``, then the rest."""
        if isinstance(expr, sp.Function) and expr.func in _FUNCTIONS and len(expr.args) == 1:
            (arg,) = expr.args
            if arg.is_Atom:
                return [self._call_into(expr, target)]
            call = Call(_FUNCTIONS[expr.func], [target, f"out={target}"])
            return [*self._into(arg, target), call]
        if isinstance(expr, sp.Mul) and not expr.could_extract_minus_sign():
            num, den = sp.fraction(expr, exact=True)
            factors = sp.Mul.make_args(num)
            head = next((f for f in factors if not f.is_Atom), None)
            if head is not None:
                lines = self._into(head, target)
                rest = sorted((f for f in factors if f is not head), key=lambda f: f.is_Number)
                lines += [f"{target} *= {self._print(f)}" for f in rest]  # arrays, then scalars
                if den != 1:
                    lines.append(self._divide_in_place(target, den))
                return lines
            if den != 1 and not num.is_Atom:
                return [*self._into(num, target), self._divide_in_place(target, den)]
        if isinstance(expr, sp.Add):
            terms = self._terms(expr)
            head = next((t for t in terms if not t.is_Atom), None)
            if head is not None and not head.could_extract_minus_sign():
                lines = self._into(head, target)
                for term in terms:
                    if term is head:
                        continue
                    if term.could_extract_minus_sign():
                        lines.append(f"{target} -= {self._print(-term)}")
                    else:
                        lines.append(f"{target} += {self._print(term)}")
                return lines
        return [self._call_into(expr, target)]

    def _divide_in_place(self, target: str, den: sp.Expr) -> str:
        # Dividing by 2^k is multiplying by 2^-k, exactly, and a multiply is the faster ufunc.
        if den.is_Integer and den > 0 and den & (den - 1) == 0:
            return f"{target} *= {self._print(1 / den)}"
        return f"{target} /= {self.parenthesize(den, PRECEDENCE['Mul'])}"

    def _call_into(self, expr: sp.Expr, target: str) -> Call:
        """One call writing ``expr`` into ``target`` with ``out=`` (operands may be temporaries)."""
        out = f"out={target}"
        if isinstance(expr, sp.Function) and expr.func in _FUNCTIONS:
            return Call(_FUNCTIONS[expr.func], [*(self._print(a) for a in expr.args), out])
        if isinstance(expr, sp.Max) and len(expr.args) == 2:
            return Call("np.maximum", [*(self._print(a) for a in _max_args(expr)), out])
        if isinstance(expr, sp.Mul):
            num, den = sp.fraction(expr, exact=True)
            if den.is_Integer and den > 0 and den & (den - 1) == 0:  # exactly × 2^-k
                return Call("np.multiply", [self._print(num), self._print(1 / den), out])
            if den != 1:
                return Call("np.divide", [self._print(num), self._print(den), out])
            head, *tail = sp.Mul.make_args(num)
            if head.is_Number and tail:
                head, *tail = sp.Mul(head, tail[0], evaluate=False), *tail[1:]
            if tail:
                rest = self._print(sp.Mul(*tail, evaluate=False))
                return Call("np.multiply", [self._print(head), rest, out])
        if isinstance(expr, sp.Add):
            head, *tail = self._terms(expr)
            rest = sp.Add(*tail, evaluate=False)
            if rest.could_extract_minus_sign():
                return Call("np.subtract", [self._print(head), self._print(-rest), out])
            return Call("np.add", [self._print(head), self._print(rest), out])
        return Call("np.copyto", [target, self._print(expr)])
