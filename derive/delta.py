"""The delta (backpropagation) form: per-layer matrix equations, as data.

Contract: ``delta_form(network)`` returns the forward and backward equations of the whole
network as ``Equation`` objects over a small tree of matrix nodes (``Mat``, ``T``, ``Prod``,
``Had``, ``Plus``, ``Fn``, ``Ident``, ``DLoss``, ``Sub``, ``Scale``, ``ColSum``, ``Grad``). They are
written in batch/row convention (Z = X W + b, the canonical layout) and serve any width. The
same trees are printed by ``derive.render`` (in either convention) and evaluated by
``derive.numeric``, so what is shown is what is computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.activations import get_activation
from derive.losses import fuses, get_loss
from derive.network import Network


@dataclass(frozen=True)
class Mat:
    """A named matrix: ``A0`` (the inputs X), ``Y``, ``W1``, ``b1``, ``Z1``, ``A1``, ``D1``."""

    key: str


@dataclass(frozen=True)
class T:
    """Transpose."""

    x: object


@dataclass(frozen=True)
class Prod:
    """Matrix product."""

    a: object
    b: object


@dataclass(frozen=True)
class Had:
    """Element-wise (Hadamard) product ⊙."""

    a: object
    b: object


@dataclass(frozen=True)
class Plus:
    """Sum a + b (a bias row broadcast over the batch)."""

    a: object
    b: object


@dataclass(frozen=True)
class Sub:
    """Difference a − b."""

    a: object
    b: object


@dataclass(frozen=True)
class Scale:
    """A constant times a matrix; ``per_example`` divides by the batch size n."""

    factor: object
    x: object
    per_example: bool = False


@dataclass(frozen=True)
class ColSum:
    """Sum over the batch (rows): 1ᵀ X."""

    x: object


@dataclass(frozen=True)
class Fn:
    """An activation applied element-wise (or row-wise, for softmax)."""

    activation: str
    x: object


@dataclass(frozen=True)
class Ident:
    """An activation's derivative identity, element-wise, at pre-activation z and output a."""

    activation: str
    z: object
    a: object


@dataclass(frozen=True)
class DLoss:
    """∂E/∂A of the per-example loss, element-wise over the batch."""

    a: object


@dataclass(frozen=True)
class SoftmaxJvp:
    """Softmax's Jacobian applied to g, row by row: A ⊙ (g − (g ⊙ A) 1)."""

    a: object
    g: object


@dataclass(frozen=True)
class SqDist:
    """The squared-distance input function: Z_nj = Σ_i (X_ni − W_ij)²."""

    x: object
    w: object


@dataclass(frozen=True)
class SqDistGradW:
    """∂E/∂W of a squared-distance layer: 2 (W ⊙ 1ᵀΔ − Xᵀ Δ)."""

    x: object
    w: object
    d: object


@dataclass(frozen=True)
class SqDistBack:
    """Δ through a squared-distance layer to its inputs: 2 (X ⊙ Δ1 − Δ Wᵀ)."""

    x: object
    w: object
    d: object


@dataclass(frozen=True)
class Grad:
    """The left side ∂E/∂P of a gradient equation."""

    key: str


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
