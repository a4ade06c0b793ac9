"""Expression printers: Unicode text and LaTeX, spelled in a model's notation.

Contract: ``TextPrinter(model).doprint(expr)`` and ``TexPrinter(model).doprint(expr)`` print a
derivation expression with every symbol in the notation's spelling, activations under the
notation's function names, pending derivatives as ∂u/∂v, products in the order they were built
(unevaluated products keep the lecture's order; a number or symbol before a bracket is written
next to it, 2(N − z), otherwise factors are joined by a dot) and sums with inputs first and
biases last, as a lecturer writes them. Both printers recurse through themselves only.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.activations import ACTIVATIONS
from derive.symbolic import Model, OrderedProduct, Partial


class _Ordering:
    """Shared ordering of a model's symbols: inputs, then layer by layer."""

    def __init__(self, model: Model):
        self.model = model

    @property
    def rank(self) -> dict[sp.Symbol, int]:
        """Each scalar symbol's place; before the model has made its scalars (a matrix form
        prints only the loss), the few symbols it has."""
        if not self.model.scalars_made:
            return {s: i for i, s in enumerate(self.model.spellings)}
        return self._rank

    @cached_property
    def _rank(self) -> dict[sp.Symbol, int]:
        model = self.model
        order = [*model.inputs]
        for l in range(1, len(model.net.layers) + 1):
            order += [w for row in model.W[l] for w in row] + [b for b in model.b[l] if b != 0]
            order += model.s[l] + model.z[l] + model.a[l]
        order += model.targets
        return {s: i for i, s in enumerate(order)}

    @property
    def params(self) -> set[sp.Symbol]:
        return self._params if self.model.scalars_made else set()

    @cached_property
    def _params(self) -> set[sp.Symbol]:
        return set(self.model.params)

    @cached_property
    def _biases(self) -> set[sp.Symbol]:
        return {b for layer in self.model.b for b in layer if b != 0}

    def term_key(self, term: sp.Expr) -> tuple:
        symbols = [s for s in term.free_symbols if s in self.rank]
        biases = self._biases if self.model.scalars_made else set()
        is_bias = bool(symbols) and all(s in biases for s in symbols)
        first = min((self.rank[s] for s in symbols), default=-1)
        return (is_bias, first, sp.default_sort_key(term))

    def factor_order(self, args: list[sp.Expr]) -> list[sp.Expr]:
        numbers = [a for a in args if a.is_number]
        params = [a for a in args if not a.is_number and a in self.params]
        rest = [a for a in args if not a.is_number and a not in self.params]
        return numbers + params + rest


def partial_parts(printer, expr: Partial, wrap: str) -> tuple[str, str]:
    """The two sides of ∂u/∂v as ``printer`` prints them, a sum or product put in ``wrap``."""
    return tuple(wrap.format(text) if isinstance(side, sp.Add | sp.Mul) else text
                 for side, text in ((s, printer._print(s)) for s in expr.args))


class TextPrinter(StrPrinter):
    """Unicode text for a terminal: ∂E/∂t_1 = 2(N_xy − z)·N_xy(1 − N_xy)·…"""

    def __init__(self, model: Model):
        super().__init__({"order": "none"})
        self.model = model
        self.ordering = _Ordering(model)

    def _print_Symbol(self, expr):
        name = self.model.spelling(expr)
        return name.text if name else expr.name

    def _print_Partial(self, expr):
        top, bottom = partial_parts(self, expr, "({})")
        return f"∂{top}/∂{bottom}"

    def _print_log(self, expr):  # the natural logarithm, written as the courses write it
        return f"ln({self._print(expr.args[0])})"

    def _print_Function(self, expr):
        act = ACTIVATIONS.get(type(expr).__name__)
        if act is not None:
            name = self.model.notation.function(act).text
            return f"{name}({self._print(expr.args[0])})"
        return super()._print_Function(expr)

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"

    def _print_Add(self, expr, order=None):
        terms = sorted(expr.args, key=self.ordering.term_key)
        out = self._print(terms[0])
        for term in terms[1:]:
            text = self._print(term)
            if text[:1] in "-−":
                out += " − " + text[1:]
            else:
                out += " + " + text
        return "−" + out[1:] if out.startswith("-") else out

    def _factor_strings(self, expr) -> list[tuple[sp.Expr, str]]:
        args = list(expr.args)
        if not isinstance(expr, OrderedProduct):
            args = self.ordering.factor_order(args)
        out = []
        for a in args:
            text = self._print(a)
            if isinstance(a, sp.Add) or (isinstance(a, sp.Pow) and a.exp.is_negative is False
                                         and precedence(a) < PRECEDENCE["Mul"]):
                text = f"({text})"
            out.append((a, text))
        return out

    def _print_OrderedProduct(self, expr):
        return self._join(expr)

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return "−" + self._print_Mul_body(rest)
        return self._print_Mul_body(expr)

    def _print_Mul_body(self, expr):
        if not isinstance(expr, sp.Mul):
            text = self._print(expr)
            return f"({text})" if isinstance(expr, sp.Add) else text
        numer, denom = ([], [])
        for a in expr.args:
            if isinstance(a, sp.Pow) and a.exp.is_negative:
                denom.append(sp.Pow(a.base, -a.exp))
            elif isinstance(a, sp.Rational) and not a.is_Integer:
                numer.append(sp.Integer(a.p))
                denom.append(sp.Integer(a.q))
            else:
                numer.append(a)
        if denom and len(numer) > 1 and sp.Integer(1) in numer:
            numer.remove(sp.Integer(1))
        body = self._join(OrderedProduct(*self.ordering.factor_order(numer), evaluate=False)
                          if len(numer) > 1 else (numer[0] if numer else sp.Integer(1)))
        if not denom:
            return body
        den = self._join(OrderedProduct(*denom, evaluate=False) if len(denom) > 1 else denom[0])
        if len(denom) > 1 or isinstance(denom[0], sp.Mul):
            den = f"({den})"
        return f"{body}/{den}"

    def _join(self, expr) -> str:
        if not isinstance(expr, sp.Mul):
            text = self._print(expr)
            return f"({text})" if isinstance(expr, sp.Add) else text
        parts = self._factor_strings(expr)
        many = len(parts) > 1
        out = self._guard(*parts[0], many, first=True)
        for (prev, _), (cur, text) in zip(parts, parts[1:], strict=False):
            tight = isinstance(cur, sp.Add) and (prev.is_number or isinstance(prev, sp.Symbol))
            text = self._guard(cur, text, many, first=False)
            out += text if tight else "·" + text
        return out

    @staticmethod
    def _guard(factor, text: str, many: bool, first: bool) -> str:
        """Bracket a quotient among other factors, or a negative factor after the first."""
        if isinstance(factor, Partial) or text.startswith("("):
            return text
        if (many and "/" in text) or (not first and text[:1] in "-−"):
            return f"({text})"
        return text

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sp.Rational(1, 2):
            return f"√({self._print(expr.base)})"
        if expr.exp == -1:
            base = self._print(expr.base)
            return f"1/({base})" if isinstance(expr.base, sp.Add | sp.Mul) else f"1/{base}"
        base = self._print(expr.base)
        if precedence(expr.base) <= PRECEDENCE["Mul"] or isinstance(expr.base, Partial):
            base = f"({base})"
        if expr.exp == 2:
            return base + "²"
        return f"{base}^{self._print(expr.exp)}"

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_Integer(self, expr):
        return str(expr.p).replace("-", "−")


class TexPrinter(LatexPrinter):
    """LaTeX: \\frac{\\partial E}{\\partial t_{1}} = 2 (\\mathcal{N}_{xy} - z) \\cdot …"""

    def __init__(self, model: Model):
        super().__init__({"order": "none", "mul_symbol": "dot", "ln_notation": True})
        self.model = model
        self.ordering = _Ordering(model)

    def _print_Symbol(self, expr, style="plain"):
        name = self.model.spelling(expr)
        return name.latex if name else super()._print_Symbol(expr)

    def _print_Partial(self, expr, exp=None):
        top, bottom = partial_parts(self, expr, r"\left({}\right)")
        return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"

    def _print_Function(self, expr, exp=None):
        act = ACTIVATIONS.get(type(expr).__name__)
        if act is not None:
            name = self.model.notation.function(act).latex
            return rf"{name}\left({self._print(expr.args[0])}\right)"
        return super()._print_Function(expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        return rf"H\left({self._print(expr.args[0])}\right)"

    def _print_log(self, expr, exp=None):  # ln(…) with brackets a long line may break inside
        text = rf"\ln\left({self._print(expr.args[0])}\right)"
        return rf"\left({text}\right)^{{{exp}}}" if exp else text

    def _print_Add(self, expr, order=None):
        terms = sorted(expr.args, key=self.ordering.term_key)
        out = self._print(terms[0])
        for term in terms[1:]:
            text = self._print(term)
            out += " - " + text[1:].lstrip() if text.startswith("-") else " + " + text
        return out

    def _print_OrderedProduct(self, expr):
        return self._factors(list(expr.args))

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return "-" + self._print_Mul(rest) if isinstance(rest, sp.Mul) else \
                "-" + self.parenthesize(rest, PRECEDENCE["Mul"])
        numer, denom = sp.fraction(expr, exact=True)
        if denom != 1:
            return rf"\frac{{{self._print(numer)}}}{{{self._print(denom)}}}"
        return self._factors(self.ordering.factor_order(list(expr.args)))

    def _factors(self, args: list[sp.Expr]) -> str:
        out = ""
        prev = None
        for a in args:
            text = self._print(a)
            if isinstance(a, sp.Add):
                text = rf"\left({text}\right)"
            if prev is None:
                out = text
            else:
                tight = isinstance(a, sp.Add) and (prev.is_number or isinstance(prev, sp.Symbol))
                out += (" " if tight else r" \cdot ") + text
            prev = a
        return out
