"""Printing the delta form's matrix equations, as Unicode text or LaTeX, in either convention.

Contract: ``equation_text(eq, model)`` and ``equation_latex(eq, model)`` print one
``derive.delta.Equation`` with the notation's matrix names. In column convention (z = W a + b,
one example) every product is printed transposed — (A B)ᵀ = Bᵀ Aᵀ — and the batch sum and the
1/n of a mean disappear, so the same data reads as the Coursera exercise writes it. With the
examples in columns (``ng``) the products are transposed likewise, the batch sum is Δ 1 and
the mean's factor is 1/m.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derive import delta as d
from derive.activations import get_activation
from derive.losses import get_loss
from derive.symbolic import Model

_u, _a = sp.symbols("u a")


class _Hadamard:
    """Products of matrices element-wise: a leading −1 as a minus, a coefficient before its
    parenthesised factor, the rest joined by ``odot``; sums in the order they were built
    (N − Z, as the board has it, not −Z + N)."""

    odot = " ⊙ "

    def _print_Add(self, expr, order=None):
        return super()._print_Add(expr, order="none")

    def _print_Mul(self, expr):
        if expr.args[0] == -1:
            return "-" + self._print(sp.Mul(*expr.args[1:]))
        coeff, rest = expr.as_coeff_Mul()
        if coeff != 1:
            return self._print(coeff) + self.parenthesize(rest, 60)
        return self.odot.join(self.parenthesize(a, 50) for a in expr.args)


class _HadamardText(_Hadamard, StrPrinter):

    def _print_Pow(self, expr, rational=False):
        if expr.exp == 2:
            return f"{self.parenthesize(expr.base, 60)}^⊙2"
        return super()._print_Pow(expr, rational)

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"

    def _print_Symbol(self, expr):
        return expr.name

    def doprint(self, expr):
        # Names hold no hyphens: every one printed is a minus, written as the other text is.
        return super().doprint(expr).replace("-", "−")


class _HadamardTex(_Hadamard, LatexPrinter):
    odot = r" \odot "

    def _print_Pow(self, expr, exp=None):
        if expr.exp == 2:
            base = self.parenthesize(expr.base, 60)
            base = f"{{{base}}}" if "^" in base else base
            return rf"{base}^{{\odot 2}}"
        return super()._print_Pow(expr)

    def _print_Heaviside(self, expr, exp=None):
        return rf"H\left({self._print(expr.args[0])}\right)"

    def _print_Symbol(self, expr, style="plain"):
        return expr.name


class _Printer:
    def __init__(self, model: Model, tex: bool):
        self.m, self.tex = model, tex
        self.column = model.notation.convention == "column"
        self.batch = self.column and model.notation.examples_in_columns  # Z = W A + b

    def name(self, key: str) -> str:
        n = self.m.matrix_names[key]
        return n.latex if self.tex else n.text

    def t(self, text: str) -> str:
        if not self.tex:
            return f"{text}ᵀ"
        return f"{{{text}}}^{{\\top}}" if "^" in text else f"{text}^{{\\top}}"

    def wrap(self, text: str) -> str:
        return rf"\left({text}\right)" if self.tex else f"({text})"

    def p(self, node, tight: bool = False) -> str:
        tex = self.tex
        match node:
            case d.Mat(key):
                return self.name(key)
            case d.T(x):
                inner = self.p(x, True)
                return self.t(inner)
            case d.Prod(a, b):
                first, second = (b, a) if self.column else (a, b)  # (A B)ᵀ = Bᵀ Aᵀ
                return self.p(first, True) + ("\\," if tex else "") + self.p(second, True)
            case d.Had(a, b):
                text = self.p(a, True) + (r" \odot " if tex else " ⊙ ") + self.p(b, True)
                return self.wrap(text) if tight else text
            case d.Plus(a, b):
                text = self.p(a) + " + " + self.p(b)
                return self.wrap(text) if tight else text
            case d.Sub(a, b):
                text = self.p(a) + (" - " if tex else " − ") + self.p(b)
                return self.wrap(text) if tight else text
            case d.Scale(factor, x, per_example):
                parts = []
                if factor != 1:
                    parts.append(sp.latex(factor) if tex else str(factor))
                if per_example and self.batch:
                    parts.append(r"\frac{1}{m}" if tex else "(1/m)")
                elif per_example and not self.column:
                    parts.append(r"\frac{1}{n}" if tex else "(1/n)")
                body = self.p(x, bool(parts))
                return " ".join([*parts, body]) if parts else body
            case d.ColSum(x):
                if self.batch:  # the sum over the examples in the columns: Δ 1
                    return self.p(x, True) + (r"\,\mathbf{1}" if tex else " 1")
                if self.column:
                    return self.p(x, tight)
                return (r"\mathbf{1}^{\top} " if tex else "1ᵀ") + self.p(x, True)
            case d.Fn(name, x):
                act = get_activation(name)
                f = self.m.notation.function(act)
                return f"{f.latex if tex else f.text}" + self.wrap(self.p(x))
            case d.Ident(name, z, a):
                act = get_activation(name)
                expr = act.derivative(sp.Symbol(self.p(z, True)), sp.Symbol(self.p(a, True)))
                text = _HadamardTex().doprint(expr) if tex else _HadamardText().doprint(expr)
                return self.wrap(text) if tight and not isinstance(expr, sp.Symbol) else text
            case d.DLoss(a):
                e, out = self.name("E"), self.p(a)
                written = self._loss_derivative(out)
                if written is not None:
                    return written
                return rf"\frac{{\partial {e}}}{{\partial {out}}}" if tex else f"∂{e}/∂{out}"
            case d.SoftmaxJvp(a, g):
                A, G = self.p(a, True), self.p(g, True)
                if tex:
                    return rf"{A} \odot \left({G} - ({G} \odot {A})\,\mathbf{{1}}\right)"
                return f"{A} ⊙ ({G} − ({G} ⊙ {A}) 1)"
            case d.SqDist(x, w):
                X, W = self.p(x, True), self.p(w, True)
                return rf"\sum_i ({{{X}}}_{{\cdot i}} - {{{W}}}_{{i \cdot}})^2" if tex else \
                    f"Σᵢ ({X}ᵢ − {W}ᵢ)²"
            case d.SqDistGradW(x, w, dd):
                X, W, D = self.p(x, True), self.p(w, True), self.p(dd, True)
                return rf"2\left({W} \odot \mathbf{{1}}^{{\top}}{D} - {self.t(X)}{D}\right)" \
                    if tex else f"2({W} ⊙ 1ᵀ{D} − {X}ᵀ{D})"
            case d.SqDistBack(x, w, dd):
                X, W, D = self.p(x, True), self.p(w, True), self.p(dd, True)
                return rf"2\left({X} \odot {D}\mathbf{{1}} - {D}{self.t(W)}\right)" if tex \
                    else f"2({X} ⊙ {D}1 − {D}{W}ᵀ)"
            case d.Grad(key):
                e, p = self.name("E"), self.name(key)
                return rf"\frac{{\partial {e}}}{{\partial {p}}}" if tex else f"∂{e}/∂{p}"
        raise TypeError(f"cannot print {node!r}")


    def _loss_derivative(self, out: str) -> str | None:
        """∂E/∂A written out element-wise, for losses that are sums over outputs."""
        spec = self.m.net.loss
        if spec.kind == "exponential":
            return None
        k = len(self.m.net.targets)
        outs, ys = sp.symbols(f"o0:{k}"), sp.symbols(f"t0:{k}")
        example = get_loss(spec.kind).example(list(outs), list(ys), spec)
        expr = sp.factor_terms(sp.diff(example, outs[0]))
        expr = sp.factor_terms(
            expr.xreplace({outs[0]: sp.Symbol(out), ys[0]: sp.Symbol(self.name("Y"))}))
        text = _HadamardTex().doprint(expr) if self.tex else _HadamardText().doprint(expr)
        return self.wrap(text) if isinstance(expr, sp.Add) else text


def equation_text(eq: d.Equation, model: Model) -> str:
    """One delta-form equation as Unicode text."""
    printer = _Printer(model, tex=False)
    return f"{printer.p(eq.lhs)} = {printer.p(eq.rhs)}"


def equation_latex(eq: d.Equation, model: Model) -> str:
    """One delta-form equation as LaTeX (for an align environment: ``lhs &= rhs``)."""
    printer = _Printer(model, tex=True)
    return f"{printer.p(eq.lhs)} &= {printer.p(eq.rhs)}"
