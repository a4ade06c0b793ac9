"""The symbolic model of a network: its symbols, its named definitions, its expanded form.

Contract: ``Model(network)`` creates one SymPy symbol per parameter entry, input, target and
named intermediate, spelled by the network's notation (``symbol.name`` is the notation's
identifier; ``canonical[symbol]`` the canonical key such as ``W1[0,1]``). ``definitions`` maps
each named intermediate to its one-level definition (the network function in named form, one
definition per unit), with activations as undefined functions (``sigmoid(u)``); ``expand``
substitutes definitions all the way down and writes every activation out (σ as 1/(1 + e^…)).
Nothing here differentiates: that is ``derive.derivation``'s job.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

from derive.activations import get_activation
from derive.losses import get_loss
from derive.network import Network
from derive.notation import Name, get_notation, user_name

_SCALAR_ATTRIBUTES = frozenset({
    "sym", "canonical", "inputs", "targets", "W", "b", "s", "z", "a", "arg", "definitions",
    "outputs", "loss_expr", "params", "deltas"})


class Partial(sp.Function):
    """An unevaluated ∂u/∂v that stays as written until a derivation step evaluates it."""

    nargs = 2


class OrderedProduct(sp.Mul):
    """A product whose factors keep the order they were written in (the lecture's order).

    Built unevaluated by derivations for display; mathematically it is an ordinary ``Mul``.
    """


class Model:
    """Symbols and named definitions of one network under one notation.

    Cheap to make: ``net``, ``notation``, ``loss_symbol`` and ``matrix_names`` (the delta form's
    names, which serve any width) are set at once; the per-scalar symbols, names and definitions
    (``names``, ``sym``, ``canonical``, ``W``, ``b``, ``a``, ``definitions``, ``params`` …) are
    built on first use, so the matrix form of a wide network never builds them.
    """

    def __init__(self, net: Network, notation: str | None = None):
        self.net = net
        self.notation = get_notation(notation or net.notation)
        self.loss_symbol = sp.Symbol(self.notation.loss.ident)
        self.matrix_names: dict[str, Name] = {**self.notation.matrices(net),
                                              "E": self.notation.loss}
        self.spellings: dict[sp.Symbol, Name] = {self.loss_symbol: self.notation.loss}

    @cached_property
    def output_loss(self) -> sp.Expr:
        """The per-example loss in the output and target symbols alone (equal to
        ``loss_expr``), made without building every scalar, as a wide network's matrix form
        needs."""
        net, last = self.net, len(self.net.layers)
        outs = [self._few_symbol(self.notation.unit(net, "a", last, j))
                for j in range(net.layers[-1].units)]
        ys = [self._few_symbol(user_name(n)) for n in net.targets]
        return get_loss(net.loss.kind).example(outs, ys, net.loss)

    def _few_symbol(self, name: Name) -> sp.Symbol:
        symbol = sp.Symbol(name.ident)
        self.spellings[symbol] = name
        return symbol

    @property
    def scalars_made(self) -> bool:
        """Whether the per-scalar symbols and definitions exist yet."""
        return "sym" in self.__dict__

    def spelling(self, symbol: sp.Symbol) -> Name | None:
        """The notation's spelling of one of this model's symbols; ``None`` for others."""
        if symbol in self.spellings:
            return self.spellings[symbol]
        key = self.canonical.get(symbol)
        return self.names[key] if key else None

    @cached_property
    def names(self) -> dict[str, Name]:
        """Every canonical key (scalar entries and matrices) mapped to its spelling."""
        return self.notation.table(self.net)

    def __getattr__(self, attr: str):
        if attr in _SCALAR_ATTRIBUTES and not self.__dict__.get("_building"):
            self._build_scalars()
            return self.__dict__[attr]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def _build_scalars(self) -> None:
        """One symbol per parameter entry, input, target and intermediate; the definitions."""
        self._building = True
        try:
            self._define(self.net)
        finally:
            self._building = False

    def _define(self, net: Network) -> None:
        self.sym: dict[str, sp.Symbol] = {}
        self.canonical: dict[sp.Symbol, str] = {}
        L = len(net.layers)
        self.inputs = [self._symbol(f"x[{i}]") for i in range(len(net.inputs))]
        self.targets = [self._symbol(f"y[{k}]") for k in range(len(net.targets))]
        self.W: list[list[list[sp.Symbol]]] = [[]]
        self.b: list[list[sp.Expr]] = [[]]
        self.s: list[list[sp.Symbol]] = [[]]
        self.z: list[list[sp.Symbol]] = [[]]
        self.a: list[list[sp.Expr]] = [list(self.inputs)]
        self.arg: list[list[sp.Expr]] = [[]]
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        self.canonical[self.loss_symbol] = "E"
        for l, layer in enumerate(net.layers, start=1):
            fan_in = net.sizes[l - 1]
            self.W.append([[self._symbol(f"W{l}[{i},{j}]") for j in range(layer.units)]
                           for i in range(fan_in)])
            self.b.append([self._symbol(f"b{l}[{j}]") if layer.bias else sp.Integer(0)
                           for j in range(layer.units)])
            self.a.append([self._symbol(f"a{l}[{j}]") for j in range(layer.units)])
            self.s.append([])
            self.z.append([])
            self.arg.append([])
            for j in range(layer.units):
                net_input = self.input_function(l, j)
                if self.notation.names_net_input:
                    s = self._symbol(f"s{l}[{j}]")
                    self.definitions[s] = net_input
                    self.s[l].append(s)
                    self.arg[l].append(s + self.b[l][j])
                else:
                    z = self._symbol(f"z{l}[{j}]")
                    self.definitions[z] = net_input + self.b[l][j]
                    self.z[l].append(z)
                    self.arg[l].append(z)
            act = get_activation(layer.activation)
            if act.elementwise:
                outs = [act.function()(u) for u in self.arg[l]]
            else:
                outs = act.define(self.arg[l])
            for j, out in enumerate(outs):
                self.definitions[self.a[l][j]] = out
        self.outputs = self.a[L]
        loss = get_loss(net.loss.kind)
        self.loss_expr = loss.example(self.outputs, self.targets, net.loss)
        self.params = [self.sym[key] for key in net.param_entries()]
        self.deltas = [[]] + [[self._symbol(f"delta{l}[{j}]") for j in range(layer.units)]
                              for l, layer in enumerate(net.layers, start=1)]

    def _symbol(self, key: str) -> sp.Symbol:
        symbol = sp.Symbol(self.names[key].ident)
        self.sym[key] = symbol
        self.canonical[symbol] = key
        return symbol

    @cached_property
    def _a_set(self) -> set[sp.Symbol]:
        return {a for layer in self.a[1:] for a in layer}

    def input_function(self, l: int, j: int) -> sp.Expr:
        """Unit j of layer l's input function, bias excluded: Σ w a or Σ (a − w)²."""
        prev, col = self.a[l - 1], [row[j] for row in self.W[l]]
        if self.net.layers[l - 1].input_function == "squared_distance":
            return sp.Add(*[(a - w) ** 2 for a, w in zip(prev, col, strict=True)])
        return sp.Add(*[w * a for a, w in zip(prev, col, strict=True)])

    def name(self, symbol: sp.Symbol) -> Name:
        """The notation's spelling of one of this model's symbols."""
        return self.names[self.canonical[symbol]]

    def layer_of(self, param: sp.Symbol) -> tuple[int, int, int | None]:
        """(layer, unit, input index or None for a bias) of a parameter symbol."""
        key = self.canonical[param]
        head, _, rest = key.partition("[")
        indices = [int(v) for v in rest.rstrip("]").split(",")]
        layer = int(head[1:])
        if head.startswith("W"):
            return layer, indices[1], indices[0]
        return layer, indices[0], None

    def activation_of(self, l: int):
        """The registry entry of layer l's activation."""
        return get_activation(self.net.layers[l - 1].activation)

    @cached_property
    def dependencies(self) -> dict[sp.Symbol, frozenset[sp.Symbol]]:
        """For each named intermediate, the parameters it depends on."""
        deps: dict[sp.Symbol, frozenset[sp.Symbol]] = {}
        params = set(self.params)
        for name, expr in self.definitions.items():
            found = set()
            for s in expr.free_symbols:
                if s in params:
                    found.add(s)
                elif s in deps:
                    found |= deps[s]
            deps[name] = frozenset(found)
        return deps

    def depends(self, expr: sp.Expr, param: sp.Symbol) -> bool:
        """Whether ``expr`` (in named intermediates) changes with ``param``."""
        deps = self.dependencies
        return any(s == param or param in deps.get(s, ()) for s in expr.free_symbols)

    def functions_defined(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every activation function replaced by its SymPy definition."""
        for layer in self.net.layers:
            act = get_activation(layer.activation)
            if act.elementwise:
                expr = expr.replace(act.function(), act.define)
        return expr

    @cached_property
    def expanded(self) -> dict[sp.Symbol, sp.Expr]:
        """Each named intermediate written in parameters and inputs alone, fully expanded."""
        full: dict[sp.Symbol, sp.Expr] = {}
        for name, expr in self.definitions.items():
            full[name] = self.functions_defined(expr.xreplace(full))
        return full

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every intermediate and activation written out."""
        return self.functions_defined(expr.xreplace(self.expanded))

    @cached_property
    def expanded_loss(self) -> sp.Expr:
        """The per-example loss in parameters, inputs and targets alone."""
        return self.expand(self.loss_expr)

    @cached_property
    def nested(self) -> dict[sp.Symbol, sp.Expr]:
        """Each named intermediate with the intermediates it uses inlined, activations kept
        as named functions."""
        nested: dict[sp.Symbol, sp.Expr] = {}
        for name, expr in self.definitions.items():
            nested[name] = expr.xreplace(nested)
        return nested

    def network_function(self) -> list[sp.Expr]:
        """The outputs, nested: activations kept as named functions, intermediates inlined."""
        return [self.nested[a] for a in self.outputs]
