"""Lowering the delta form to the statements every printer of generated code walks.

Contract: ``lower(net)`` returns a ``Lowered``: the statements of the forward pass and of the
backward pass, in order. Each ``Statement`` is one equation of
``derive.delta.delta_form(net)``: the equation itself (``equation``, its ``rhs`` the tree to
compute), the Python name it assigns (``target``), and the equation printed twice from the
same tree — ``text`` in the spec's notation, exactly as ``chainrule derive --delta`` prints
it, and ``canonical`` in the module's own array names (``∂E/∂W2 = a1ᵀdelta2``). Nothing here
or in a printer derives anything: the trees come from ``derive.delta`` and the element-wise
parts from the activation and loss registries. ``var(key)`` is the Python name of a
delta-form matrix: ``A0`` → ``X``, ``Z1`` → ``z1``, ``A1`` → ``a1``, ``D1`` → ``delta1``,
``Grad W1`` → ``dW1``; parameters and ``Y`` keep their keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from derive import delta as d
from derive.network import Network
from derive.notation import Name
from derive.render.matrix import equation_text
from derive.symbolic import Model


def var(key: str) -> str:
    """The Python name of the delta-form matrix ``key`` (see the module docstring)."""
    if key == "A0":
        return "X"
    kind, layer = key[0], key[1:]
    if key == "Y" or kind in "Wb":
        return key
    return {"Z": "z", "A": "a", "D": "delta"}[kind] + layer


@dataclass(frozen=True)
class Named:
    """A value a printer has already bound to a local name (a long statement's part);
    ``q`` marks a softmax's q = A ⊙ ∂E/∂A standing for its ∂E/∂A."""

    name: str
    q: bool = False


@dataclass(frozen=True)
class Statement:
    """One equation of the delta form, as a statement assigning ``target``."""

    target: str
    equation: d.Equation
    text: str
    canonical: str

    @property
    def role(self) -> str:
        """forward, output delta, delta or gradient (the equation's role)."""
        return self.equation.role

    @property
    def rhs(self) -> object:
        """The tree the statement computes."""
        return self.equation.rhs

    @property
    def key(self) -> str:
        """The delta-form key of what it defines: Z1, A1, D2, W2, b2, …"""
        return self.equation.lhs.key


@dataclass(frozen=True)
class Lowered:
    """A network's statements: ``forward`` (z and a of each layer) and ``backward`` (the
    output delta, then per layer from the top its gradients and the delta below)."""

    forward: list[Statement]
    backward: list[Statement]

    @property
    def statements(self) -> list[Statement]:
        """Every statement, in order."""
        return self.forward + self.backward


def _canonical_model(net: Network, model: Model) -> SimpleNamespace:
    """A stand-in for ``model`` that names every matrix by its Python name, in rows."""
    names = dict(model.matrix_names)
    keys = ["A0", "Y", *(f"{k}{l}" for l in range(1, len(net.layers) + 1)
                         for k in ("W", "b", "Z", "A", "D"))]
    for key in keys:
        names[key] = Name(var(key), var(key), var(key))
    names["E"] = Name("E", "E", "E")
    notation = SimpleNamespace(
        convention="row", function=lambda act: Name(act.name, act.name, act.name))
    return SimpleNamespace(matrix_names=names, notation=notation, net=net)


def lower(net: Network, model: Model | None = None) -> Lowered:
    """The statements of ``net``'s forward and backward passes (see the module docstring)."""
    model = model or Model(net)
    canonical = _canonical_model(net, model)
    forward, backward = [], []
    for eq in d.delta_form(net):
        key = eq.lhs.key
        target = f"d{key}" if isinstance(eq.lhs, d.Grad) else var(key)
        statement = Statement(target, eq, equation_text(eq, model),
                              equation_text(eq, canonical))
        (forward if eq.role == "forward" else backward).append(statement)
    return Lowered(forward, backward)
