"""The delta (backpropagation) form: per-layer matrix equations, as data.

Contract: ``delta_form(network)`` returns the forward and backward equations of the whole
network as ``Equation`` objects over a small tree of matrix nodes (``Mat``, ``T``, ``Prod``,
``Had``, ``Plus``, ``Fn``, ``Ident``, ``DLoss``, ``Sub``, ``Scale``, ``ColSum``, ``Grad``). They are
written in batch/row convention (Z = X W + b, the canonical layout) and serve any width. The
same trees are printed by ``derive.render`` (in either convention) and evaluated by
``derive.numeric``, so what is shown is what is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass

from derive.activations import get_activation
from derive.losses import fuses, get_loss
from derive.network import Network


def _node(name: str, doc: str, *fields: str | tuple) -> type:
    """A node kind of the delta trees: a frozen dataclass of these fields, in order (a field
    is a name, or (name, type, dataclasses.field(...)) for one with a default)."""
    cls = make_dataclass(name, [(f, object) if isinstance(f, str) else f for f in fields],
                         frozen=True, namespace={"__doc__": doc})
    cls.__module__ = __name__
    return cls


Mat = _node("Mat", "A named matrix: ``A0`` (the inputs X), ``Y``, ``W1``, ``b1``, ``Z1``, "
                   "``A1``, ``D1``.", "key")
T = _node("T", "Transpose.", "x")
Prod = _node("Prod", "Matrix product.", "a", "b")
Had = _node("Had", "Element-wise (Hadamard) product ⊙.", "a", "b")
Plus = _node("Plus", "Sum a + b (a bias row broadcast over the batch).", "a", "b")
Sub = _node("Sub", "Difference a − b.", "a", "b")
Scale = _node("Scale", "A constant times a matrix; ``per_example`` divides by the batch size n.",
               "factor", "x", ("per_example", bool, field(default=False)))
ColSum = _node("ColSum", "Sum over the batch (rows): 1ᵀ X.", "x")
Fn = _node("Fn", "An activation applied element-wise (or row-wise, for softmax).",
            "activation", "x")
Ident = _node("Ident", "An activation's derivative identity, element-wise, at pre-activation "
                       "z and output a.", "activation", "z", "a")
DLoss = _node("DLoss", "∂E/∂A of the per-example loss, element-wise over the batch.", "a")
SoftmaxJvp = _node("SoftmaxJvp", "Softmax's Jacobian applied to g, row by row: "
                                 "A ⊙ (g − (g ⊙ A) 1).", "a", "g")
SqDist = _node("SqDist", "The squared-distance input function: Z_nj = Σ_i (X_ni − W_ij)².",
                "x", "w")
SqDistGradW = _node("SqDistGradW", "∂E/∂W of a squared-distance layer: 2 (W ⊙ 1ᵀΔ − Xᵀ Δ).",
                     "x", "w", "d")
SqDistBack = _node("SqDistBack", "Δ through a squared-distance layer to its inputs: "
                                 "2 (X ⊙ Δ1 − Δ Wᵀ).", "x", "w", "d")
Grad = _node("Grad", "The left side ∂E/∂P of a gradient equation.", "key")


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs``, with ``role`` one of forward, output delta, delta, gradient."""

    lhs: object
    rhs: object
    role: str
    layer: int


def delta_form(net: Network) -> list[Equation]:
    """Forward pass, output error, its recursion and every gradient, layer by layer."""
    L = len(net.layers)
    eqs: list[Equation] = []
    for l, layer in enumerate(net.layers, start=1):
        prev, w = Mat(f"A{l - 1}"), Mat(f"W{l}")
        z = SqDist(prev, w) if layer.input_function == "squared_distance" else Prod(prev, w)
        if layer.bias:
            z = Plus(z, Mat(f"b{l}"))
        eqs.append(Equation(Mat(f"Z{l}"), z, "forward", l))
        eqs.append(Equation(Mat(f"A{l}"), Fn(layer.activation, Mat(f"Z{l}")), "forward", l))
    loss = get_loss(net.loss.kind)
    out = get_activation(net.layers[-1].activation)
    mean = net.loss.reduce_examples == "mean"
    fused = fuses(loss.name, out.name)
    factor = net.loss.factor / (net.layers[-1].units if net.loss.reduce_outputs == "mean"
                                and fused else 1)
    if fused:
        rhs = Scale(factor, Sub(Mat(f"A{L}"), Mat("Y")), mean)
    elif out.elementwise:
        rhs = _scaled(Had(DLoss(Mat(f"A{L}")), Ident(out.name, Mat(f"Z{L}"), Mat(f"A{L}"))), mean)
    else:
        rhs = _scaled(SoftmaxJvp(Mat(f"A{L}"), DLoss(Mat(f"A{L}"))), mean)
    eqs.append(Equation(Mat(f"D{L}"), rhs, "output delta", L))
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        prev, d, w = Mat(f"A{l - 1}"), Mat(f"D{l}"), Mat(f"W{l}")
        if layer.input_function == "squared_distance":
            eqs.append(Equation(Grad(f"W{l}"), SqDistGradW(prev, w, d), "gradient", l))
        else:
            eqs.append(Equation(Grad(f"W{l}"), Prod(T(prev), d), "gradient", l))
        if layer.bias:
            eqs.append(Equation(Grad(f"b{l}"), ColSum(d), "gradient", l))
        if l > 1:
            below = net.layers[l - 2]
            back = SqDistBack(prev, w, d) if layer.input_function == "squared_distance" else \
                Prod(d, T(w))
            eqs.append(Equation(Mat(f"D{l - 1}"), Had(back, Ident(below.activation,
                                                                 Mat(f"Z{l - 1}"),
                                                                 Mat(f"A{l - 1}"))),
                                "delta", l - 1))
    return eqs


def _scaled(node, mean: bool):
    return Scale(1, node, True) if mean else node
