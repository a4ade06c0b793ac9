"""Printing the lowering's statements in place, for the fast style.

Contract: ``InPlacePrinter(net, code)`` prints each statement of ``codegen.lower.lower(net)``
as the lines of NumPy that write it into the array holding it — the work arrays ``z{l}``,
``a{l}`` and ``delta{l}``, or ``grads["W1"]`` for a gradient — with ``out=`` and augmented
assignments, so a training step allocates no temporary of a batch's size. ``lines(st)``
gives a statement's code (and the comments that say how it is computed, where that is not
its equation), laid out by ``codegen.layout`` for a function body; ``block(st)`` puts the
statement's equation, as ``chainrule derive --delta`` prints it, above them. The printer
decides how a statement is written from its tree's structure, never what is computed:

- a product ``A B`` is ``np.matmul`` into the target; a column sum ``1ᵀΔ`` is ``.sum`` into it;
- ``X + b`` and ``X ⊙ f′`` build X in the target, then add the bias or multiply by f′ (the
  activation entry's derivative identity, a factor at a time where it is a product);
- the squared-distance nodes use |x|² − 2 x W + |W|², so their products are matmuls too;
- an activation and the output delta are the registry forms ``code``
  (``codegen.fast_elementwise.network_code(net)``) prints in place; the output delta's scale
  (1, or −ε when training steps) rides on it, every later statement being linear in it.

Matrices are named as ``codegen.lower.var`` names them, parameters read from ``p["W1"]``.
"""

from __future__ import annotations

from codegen.fast_elementwise import PRINTER, NetworkCode, factors
from codegen.layout import Call, layout, wrap
from codegen.literal import comment_lines
from codegen.lower import Statement, var
from codegen.print_arrays import ArrayPrinter
from codegen.sympy_code import stabilize
from derive import delta as d
from derive.network import Network

INDENT = 4  # the statements are the body of a function


class InPlacePrinter:
    """In-place NumPy for the statements of ``net`` (see the module docstring)."""

    def __init__(self, net: Network, code: NetworkCode):
        self.net, self.code, self.arrays = net, code, ArrayPrinter(net)

    def block(self, st: Statement) -> list[str]:
        """The statement's equation as comment lines, then its code."""
        said = [f"# {line}" for line in comment_lines(st.text)]
        if st.role == "output delta":
            return [*self._q(), *said, *self.lines(st)]
        return [*said, *self.lines(st)]

    def lines(self, st: Statement) -> list[str]:
        """The statement's code lines, laid out for a function body."""
        target = f'grads["{st.key}"]' if st.role == "gradient" else st.target
        if st.role == "output delta":
            L, code = len(self.net.layers), self.code
            said = [*wrap(f"delta{L} = scale ∂E/∂z{L}, ∂E/∂z{L} = {code.delta_text}", 90),
                    *wrap(f"({code.delta_rule})", 90)]
            items = [*(f"# {line}" for line in said), *code.delta]
        elif isinstance(st.rhs, d.Fn):
            items = self.code.layers[st.equation.layer - 1].output
        else:
            items = [*self._how(st), *self._into(st.rhs, target)]
        return [line for item in items for line in layout(item, INDENT)]

    def _q(self) -> list[str]:
        """A softmax output's q = a ⊙ ∂E/∂a, which the output delta then reads."""
        if self.code.q is None:
            return []
        L = len(self.net.layers)
        return [f"# q{L} = a{L} ⊙ ∂E/∂a{L}", f"q{L} = {self.code.q}"]

    def _how(self, st: Statement) -> list[str]:
        """A forward squared distance: its equation, and how it is expanded."""
        node = st.rhs.a if isinstance(st.rhs, d.Plus) else st.rhs
        if not isinstance(node, d.SqDist):
            return []
        X, W = self.arrays.code(node.x), self.arrays.code(node.w)
        return [f"# {line}" for line in wrap(
            f"{st.canonical}, as |{X}|² − 2 {X} {W} + |{W}_j|²", 90)]

    def _name(self, node: object) -> str:
        """An operand: a matrix or its transpose."""
        match node:
            case d.Mat(key) if key[0] in "Wb":
                return f'p["{key}"]'
            case d.Mat(key):
                return var(key)
            case d.T(x):
                return f"{self._name(x)}.T"
        raise TypeError(f"no in-place operand for {node!r}")

    def _into(self, node: object, target: str) -> list[str]:
        """Statements writing ``node`` into the array ``target``."""
        match node:
            case d.Prod(a, b):
                return [Call("np.matmul", [self._name(a), self._name(b), f"out={target}"])]
            case d.ColSum(x):
                return [Call(f"{self._name(x)}.sum", ["axis=0", f"out={target}"])]
            case d.Plus(x, b):
                return [*self._into(x, target), f"{target} += {self._name(b)}"]
            case d.Had(x, d.Ident() as ident):
                return [*self._into(x, target), *self._scale(target, ident)]
            case d.SqDist(x, w):
                X, W = self._name(x), self._name(w)
                return [*self._into(d.Prod(x, w), target), f"{target} *= -2",
                        f"{target} += np.sum({X}**2, axis=1, keepdims=True)",
                        f"{target} += np.sum({W} ** 2, axis=0)"]
            case d.SqDistGradW(x, w, delta):
                # 2 (W ⊙ 1ᵀΔ − XᵀΔ) as −2 (XᵀΔ − W ⊙ 1ᵀΔ), the product written in first
                W, D = self._name(w), self._name(delta)
                return [*self._into(d.Prod(d.T(x), delta), target),
                        f"{target} -= {W} * np.sum({D}, axis=0)", f"{target} *= -2"]
            case d.SqDistBack(x, w, delta):
                X, D = self._name(x), self._name(delta)
                return [*self._into(d.Prod(delta, d.T(w)), target),
                        f"{target} -= {X} * np.sum({D}, axis=1, keepdims=True)",
                        f"{target} *= -2"]
        raise TypeError(f"no in-place form for {node!r}")

    def _scale(self, target: str, ident: d.Ident) -> list[str]:
        """``target *= f′`` of the identity's activation: nothing when f′ is 1."""
        derivative = stabilize(self.arrays.symbolic(ident))
        if derivative == 1:
            return []
        name, whole = ident.activation, PRINTER.doprint(derivative)
        parts = factors(derivative)
        if parts and len(name + whole) < 60:
            return [f"# {name}' = {whole}, a factor at a time",
                    *(f"{target} *= {part}" for part in parts)]
        return [f"{target} *= {whole}  # {name}'"]
