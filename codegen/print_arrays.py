"""Printing the lowering's statement trees as array code: NumPy, or PyTorch tensors.

Contract: ``ArrayPrinter(net, lib)`` with ``lib`` ``"np"`` or ``"torch"`` prints a tree of
``derive.delta`` nodes as one plain vectorised expression (``code(node)``), naming matrices
as ``codegen.lower.var`` does and the batch size ``n``. The matrix structure is the tree's;
the element-wise parts come from the registries, printed by ``codegen.sympy_code``:
``Fn`` calls the module's helper of that activation (``helper(name)`` gives its body, from
the entry's code form), ``Ident`` is the entry's derivative identity and ``DLoss`` the loss
entry's ∂E/∂a (``sp.diff`` of the registry's loss of one example, as ``derive.numeric``
evaluates it).
``loss_terms()`` is the stable loss of every entry (summed by the module), from the loss
entry's ``from_logits`` when ``derive.losses.fuses`` says the pair cancels.
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.numpy_nodes import logaddexp

from codegen.lower import Named, var
from codegen.sympy_code import (
    NumpyPrinter,
    RowLogSumExp,
    Rowsum,
    cancel_outputs,
    stabilize,
    vectorize,
)
from derive import delta as d
from derive.activations import get_activation
from derive.losses import fuses, get_loss
from derive.network import Network

ATOM, MUL, ADD = 3, 2, 1


class TorchPrinter(NumpyPrinter):
    """The NumPy printer's expressions as PyTorch tensor operations."""

    def _print_Function(self, expr: sp.Function) -> str:
        return super()._print_Function(expr).replace("np.", "torch.", 1)

    _print_exp = _print_log = _print_tanh = _print_Function

    def _print_logaddexp(self, expr: logaddexp) -> str:
        a, b = expr.args
        if a.is_Number:  # torch.logaddexp takes tensors only
            a, b = b, a
        other = self._print(a)
        if b.is_Number:
            return f"torch.logaddexp({other}, torch.full_like({other}, {self._print(b)}))"
        return f"torch.logaddexp({other}, {self._print(b)})"

    def _print_Max(self, expr: sp.Max) -> str:
        return super()._print_Max(expr).replace("np.maximum(", "torch.clamp(").replace(
            ", 0)", ", min=0)")

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.base.is_Number and expr.exp == sp.Rational(1, 2):  # a number, not a tensor
            return f"math.sqrt({self._print(expr.base)})"
        return super()._print_Pow(expr, rational).replace("np.sqrt(", "torch.sqrt(")

    def _print_Rowsum(self, expr: Rowsum) -> str:
        return super()._print_Rowsum(expr).replace("np.sum(", "torch.sum(")

    def _print_RowLogSumExp(self, expr: RowLogSumExp) -> str:
        return f"torch.logsumexp({self._print(expr.args[0])}, dim=1, keepdim=True)"


class ArrayPrinter:
    """Array code for ``net``'s statement trees in ``lib`` (see the module docstring)."""

    def __init__(self, net: Network, lib: str = "np"):
        self.net, self.lib = net, lib
        self.sym = TorchPrinter() if lib == "torch" else NumpyPrinter()
        self.shared: dict[sp.Expr, sp.Symbol] = {}  # subexpressions the module names once

    # --- element-wise parts, from the registries ---------------------------------------
    def elementwise(self, expr: sp.Expr) -> str:
        """A registry expression in array symbols, stabilised and printed (with the names of
        ``shared`` for the subexpressions it maps)."""
        return self.sym.doprint(stabilize(expr).xreplace(self.shared))

    def helper(self, name: str, z: str = "z") -> str:
        """The expression of the helper computing activation ``name`` of the array ``z``."""
        act = get_activation(name)
        z = sp.Symbol(z)
        if act.elementwise:
            return self.elementwise(act.code_form(z))
        zs = sp.symbols(f"z_0:{self.net.layers[-1].units}")
        row = vectorize(act.code_form(list(zs))[0], [{zk: z} for zk in zs])
        return self.elementwise(row)

    def _components(self, a: str):
        units = self.net.layers[-1].units
        outs, ys, zs = (list(sp.symbols(f"{s}_0:{units}")) for s in ("a", "y", "z"))
        L = len(self.net.layers)
        comps = [{ak: sp.Symbol(a), yk: sp.Symbol("Y"), zk: sp.Symbol(f"z{L}")}
                 for ak, yk, zk in zip(outs, ys, zs, strict=True)]
        return outs, ys, zs, comps

    def loss_terms(self) -> str:
        """The loss of each example (or entry), in a stable form; their sum is E (or n E)."""
        L = len(self.net.layers)
        outs, ys, zs, comps = self._components(f"a{L}")
        loss = get_loss(self.net.loss.kind)
        act = get_activation(self.net.layers[-1].activation)
        if fuses(loss.name, act.name):
            example = loss.from_logits(zs, ys, self.net.loss)
        else:
            stable = act.stable(zs) if not act.elementwise else [act.stable(z) for z in zs]
            # ln a_k is taken of the log-safe form, so ln σ(z) never meets an underflowed 0.
            example = loss.example(outs, ys, self.net.loss).replace(
                lambda e: isinstance(e, sp.log) and e.args[0] in outs,
                lambda e: sp.log(stable[outs.index(e.args[0])]),
            )
        terms = vectorize(stabilize(example), comps)
        coeff, rest = terms.as_coeff_Mul()
        if isinstance(rest, Rowsum):  # summing every entry makes the row sum redundant
            terms = coeff * rest.args[0]
        return self.elementwise(sp.factor_terms(terms))

    # --- the matrix trees ----------------------------------------------------------------
    def code(self, node: object) -> str:
        """``node`` as one expression."""
        return self._p(node)[0]

    def _wrap(self, node: object, level: int) -> str:
        text, prec = self._p(node)
        return f"({text})" if prec < level else text

    def symbolic(self, node) -> sp.Expr:
        """An ``Ident`` or ``DLoss`` node as the registry's element-wise SymPy expression."""
        if isinstance(node, d.Ident):
            act = get_activation(node.activation)
            return act.derivative(sp.Symbol(self.code(node.z)), sp.Symbol(self.code(node.a)))
        outs, ys, _, comps = self._components(self.code(node.a))
        example = get_loss(self.net.loss.kind).example(outs, ys, self.net.loss)
        return sp.factor_terms(vectorize(sp.diff(example, outs[0]), comps))

    def softmax_q(self, a, g) -> sp.Expr:
        """q = A ⊙ G of a softmax's Jacobian-vector product, element-wise, cancelled."""
        A = sp.Symbol(self.code(a))
        return cancel_outputs(A * self.symbolic(g), [A])

    def _sym_text(self, expr: sp.Expr) -> tuple[str, int]:
        text = self.elementwise(expr)
        expr = stabilize(expr)
        if isinstance(expr, sp.Heaviside):  # printed as a comparison, which binds loosest
            return text, 0
        if expr.is_Atom or isinstance(expr, sp.Function):
            return text, ATOM
        if isinstance(expr, sp.Mul | sp.Pow) and not expr.could_extract_minus_sign():
            return text, MUL
        return text, 0

    def _p(self, node: object) -> tuple[str, int]:  # one case per node class
        match node:
            case d.Mat(key):
                return var(key), ATOM
            case Named(name):
                return name, ATOM
            case d.T(x):
                return f"{self._wrap(x, ATOM)}.T", ATOM
            case d.Prod(a, b):
                return f"{self._wrap(a, MUL)} @ {self._wrap(b, ATOM)}", MUL
            case d.Had(a, b):
                if isinstance(a, d.DLoss) and isinstance(b, d.Ident):
                    # ∂E/∂a ⊙ f'(z) as one element-wise expression, with any division by
                    # the output cancelled (an output that underflows to 0 must not divide).
                    joined = self.symbolic(a) * self.symbolic(b)
                    return self._sym_text(cancel_outputs(joined, [sp.Symbol(self.code(a.a))]))
                return f"{self._wrap(a, ATOM)} * {self._wrap(b, ATOM)}", MUL
            case d.Plus(a, b):
                return f"{self._wrap(a, ADD)} + {self._wrap(b, ADD)}", ADD
            case d.Sub(a, b):
                return f"{self._wrap(a, ADD)} - {self._wrap(b, MUL)}", ADD
            case d.Scale(factor, x, per_example):
                if factor == 1 and not per_example:
                    return self._p(x)
                text = self._wrap(x, MUL)
                if factor != 1:
                    text = f"{self.sym.doprint(sp.nsimplify(factor))} * {text}"
                return (f"{text} / n" if per_example else text), MUL
            case d.ColSum(x):
                return f"{self._wrap(x, ATOM)}.sum(axis=0)", ATOM
            case d.Fn(name, x):
                if name == "identity":
                    return self._p(x)
                return f"{name}({self.code(x)})", ATOM
            case d.Ident() | d.DLoss():
                return self._sym_text(self.symbolic(node))
            case d.SoftmaxJvp(a, Named(q, True)):
                return f"{q} - {self._wrap(a, ATOM)} * {q}.sum(axis=1, keepdims=True)", ADD
            case d.SoftmaxJvp(a, g):
                # A ⊙ (G − (G ⊙ A) 1) = q − A (q 1) with q = A ⊙ G, whose division by the
                # output (if any) cancels.
                q = self._sym_text(self.softmax_q(a, g))
                Q = f"({q[0]})" if q[1] < ATOM else q[0]
                return f"{Q} - {self._wrap(a, ATOM)} * {Q}.sum(axis=1, keepdims=True)", ADD
            case d.SqDist(x, w):
                return f"squared_distance({self.code(x)}, {self.code(w)})", ATOM
            case d.SqDistGradW(x, w, dd):
                X, W, D = self._wrap(x, ATOM), self._wrap(w, ATOM), self._wrap(dd, ATOM)
                return f"2 * ({W} * {D}.sum(axis=0) - {X}.T @ {D})", MUL
            case d.SqDistBack(x, w, dd):
                X, W, D = self._wrap(x, ATOM), self._wrap(w, ATOM), self._wrap(dd, ATOM)
                return f"2 * ({X} * {D}.sum(axis=1, keepdims=True) - {D} @ {W}.T)", MUL
        raise TypeError(f"no array code for {node!r}")
