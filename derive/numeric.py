"""Float64 evaluation of a network's derived formulas: output, loss and every gradient.

Contract: ``evaluate(net, params, X, Y)`` walks the equations of ``derive.delta.delta_form``
(``walk``, which any array arithmetic can use) with NumPy — element-wise parts lambdified from
the registries' stable SymPy forms — and returns ``{"output", "loss", "gradients"}`` for the
loss reduced over the given examples. Shapes are checked first; a mismatch is a ``SpecError``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

from derive import delta as d
from derive.activations import get_activation
from derive.errors import SpecError
from derive.losses import LossSpec, fuses, get_loss
from derive.network import Network, as_matrix

_u, _a = sp.symbols("u a")


@cache
def _elementwise(name: str):
    act = get_activation(name)
    return sp.lambdify(_u, act.stable(_u), "numpy")


@cache
def _identity(name: str):
    act = get_activation(name)
    return sp.lambdify((_u, _a), act.derivative(_u, _a), "numpy")


def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@cache
def _loss_functions(spec: LossSpec, outputs: int, fused: bool):
    """Per-example loss (from logits when fused) and ∂E/∂a, each lambdified over columns."""
    loss = get_loss(spec.kind)
    outs = sp.symbols(f"a0:{outputs}")
    ys = sp.symbols(f"y0:{outputs}")
    zs = sp.symbols(f"z0:{outputs}")
    if fused:
        value = sp.lambdify((zs, ys), loss.from_logits(list(zs), list(ys), spec), "numpy")
    else:
        value = sp.lambdify((outs, ys), loss.example(list(outs), list(ys), spec), "numpy")
    example = loss.example(list(outs), list(ys), spec)
    grads = [sp.lambdify((outs, ys), sp.diff(example, a), "numpy") for a in outs]
    return value, grads


def walk(net: Network, env: dict, n: int, *, number: Callable, fn: Callable,
         ident: Callable, dloss: Callable) -> dict[str, np.ndarray]:
    """Evaluate the equations of ``delta_form(net)`` over ``env`` (``A0``, ``Y`` and the
    parameters, as arrays), filling ``env`` with every ``Z{l}``, ``A{l}``, ``D{l}``; return
    the gradients by parameter. The arithmetic is the arrays' own (float64, or mpmath objects);
    what depends on it comes in: ``number(factor)`` a constant, ``fn(name, z)`` an activation,
    ``ident(name, z, a)`` its derivative, ``dloss(A)`` ∂E/∂a per example."""
    def ev(node):
        match node:
            case d.Mat(key):
                return env[key]
            case d.T(x):
                return ev(x).T
            case d.Prod(a, b):
                return ev(a) @ ev(b)
            case d.Had(a, b):
                return ev(a) * ev(b)
            case d.Plus(a, b):
                return ev(a) + ev(b)
            case d.Sub(a, b):
                return ev(a) - ev(b)
            case d.Scale(factor, x, per_example):
                return number(factor) / (n if per_example else 1) * ev(x)
            case d.ColSum(x):
                return ev(x).sum(axis=0)
            case d.Fn(name, x):
                return fn(name, ev(x))
            case d.Ident(name, z, a):
                return ident(name, ev(z), ev(a))
            case d.DLoss(a):
                return dloss(ev(a))
            case d.SoftmaxJvp(a, g):
                A, G = ev(a), ev(g)
                return A * (G - (G * A).sum(axis=1, keepdims=True))
            case d.SqDist(x, w):
                Xv, Wv = ev(x), ev(w)
                return ((Xv[:, :, None] - Wv[None, :, :]) ** 2).sum(axis=1)
            case d.SqDistGradW(x, w, dd):
                Xv, Wv, D = ev(x), ev(w), ev(dd)
                return 2 * (Wv * D.sum(axis=0) - Xv.T @ D)
            case d.SqDistBack(x, w, dd):
                Xv, Wv, D = ev(x), ev(w), ev(dd)
                return 2 * (Xv * D.sum(axis=1, keepdims=True) - D @ Wv.T)
        raise TypeError(f"no evaluation for {node!r}")

    grads: dict[str, np.ndarray] = {}
    for eq in d.delta_form(net):
        if isinstance(eq.lhs, d.Grad):
            grads[eq.lhs.key] = ev(eq.rhs)
        else:
            env[eq.lhs.key] = ev(eq.rhs)
    return grads


def evaluate(net: Network, params: dict, X, Y) -> dict:
    """Output, loss and gradients (same keys and shapes as ``params``) in float64."""
    shapes = net.param_shapes()
    P = {k: as_matrix(params.get(k), s, f"parameter {k}") if k in params else None
         for k, s in shapes.items()}
    missing = [k for k, v in P.items() if v is None]
    if missing:
        raise SpecError(f"parameter {missing[0]} is missing; give all of {', '.join(shapes)}")
    shape = np.shape(np.array(X, dtype=object))
    n = shape[0] if len(shape) == 2 else 0
    X = as_matrix(X, (n, len(net.inputs)), "x")
    Y = as_matrix(Y, (n, len(net.targets)), "y")
    if n == 0:
        raise SpecError("x must hold at least one example")
    env: dict[str, np.ndarray] = {"A0": X, "Y": Y, **P}
    out_act = get_activation(net.layers[-1].activation)
    fused = fuses(net.loss.kind, out_act.name)
    value, dloss = _loss_functions(net.loss, net.layers[-1].units, fused)

    def fn(name: str, z: np.ndarray) -> np.ndarray:
        if not get_activation(name).elementwise:
            return _softmax(z)
        return np.broadcast_to(_elementwise(name)(z), z.shape).astype(np.float64)

    def ident(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(_identity(name)(z, a), z.shape).astype(np.float64)

    def dloss_of(A: np.ndarray) -> np.ndarray:
        cols, ys = list(A.T), list(Y.T)
        return np.stack([np.broadcast_to(g(cols, ys), (n,)) for g in dloss], axis=1)

    with np.errstate(over="ignore", under="ignore"):
        grads = walk(net, env, n, number=float, fn=fn, ident=ident, dloss=dloss_of)
    L = len(net.layers)
    source = env[f"Z{L}"] if fused else env[f"A{L}"]
    per_example = np.broadcast_to(value(list(source.T), list(Y.T)), (n,))
    total = per_example.mean() if net.loss.reduce_examples == "mean" else per_example.sum()
    return {"output": env[f"A{L}"], "loss": float(total),
            "gradients": {k: grads[k] for k in shapes}}
