"""One loss, written once, runnable in NumPy (real or complex), autograd, PyTorch and JAX.

Contract: ``loss_function(net, X, Y, backend)`` returns a function of a stack of flat parameter
vectors Θ (P, N) giving their P losses on (X, Y) — or, with ``single=True``, of one vector θ
(N,) giving a scalar, for AD libraries to differentiate. Activations and losses are the
registries' stable SymPy forms, lambdified onto the backend's array functions; NumPy's
``logaddexp`` is replaced by m + ln(e^(a−m) + e^(b−m)) with m the larger real part, which is
the same function and also holds for complex arguments, so the complex step works on every
registered loss except those with ``Max``/``Heaviside`` (relu, threshold). ``pack``/``unpack``
convert between parameter dicts and flat vectors in ``net.param_shapes()`` order.
``expression_function(report, backend)`` does the same for a plain expression's graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

from derive.activations import get_activation
from derive.losses import fuses, get_loss
from derive.network import Network

BACKENDS = ("numpy", "autograd", "torch", "jax")


def _np_logaddexp(a, b):
    m = np.maximum(np.real(a), np.real(b))
    return m + np.log(np.exp(a - m) + np.exp(b - m))


@cache
def backend_ops(backend: str) -> dict[str, Callable]:
    """The array functions lambdified forms call, for ``backend``."""
    if backend == "numpy":
        xp, extra = np, {"logaddexp": _np_logaddexp}
    elif backend == "autograd":
        import autograd.numpy as xp

        extra = {"logaddexp": xp.logaddexp}
    elif backend == "jax":
        import jax.numpy as xp

        extra = {"logaddexp": xp.logaddexp}
    elif backend == "torch":
        import torch

        def tensor(v):
            return torch.as_tensor(v, dtype=torch.float64)

        return {"exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sqrt": torch.sqrt,
                "sin": torch.sin, "cos": torch.cos, "tan": torch.tan,
                "logaddexp": lambda a, b: torch.logaddexp(tensor(a), tensor(b)),
                "Max": lambda a, b: torch.maximum(tensor(a), tensor(b)),
                "Heaviside": lambda u, h0=1: torch.heaviside(tensor(u), tensor(h0)),
                "stack": lambda cols: torch.stack(cols, dim=-1),
                "sum": lambda x, axis: torch.sum(x, dim=axis), "const": tensor}
    else:
        raise ValueError(f"unknown backend {backend!r}")
    return {"exp": xp.exp, "log": xp.log, "tanh": xp.tanh, "sqrt": xp.sqrt, "sin": xp.sin,
            "cos": xp.cos, "tan": xp.tan, "Max": xp.maximum,
            "Heaviside": lambda u, h0=1: xp.where(u > 0, 1.0, xp.where(u < 0, 0.0, h0)),
            "stack": lambda cols: xp.stack(cols, axis=-1),
            "sum": lambda x, axis: xp.sum(x, axis=axis), "const": xp.asarray, **extra}


def pack(params: dict, shapes: dict[str, tuple[int, ...]]) -> np.ndarray:
    """The parameters as one flat float64 vector, in ``shapes`` order."""
    return np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in shapes])


def unpack(theta, shapes: dict[str, tuple[int, ...]]) -> dict:
    """A stack of flat vectors (P, N) as parameter arrays of shape (P, *shape)."""
    out, start = {}, 0
    for key, shape in shapes.items():
        stop = start + math.prod(shape)
        out[key] = theta[:, start:stop].reshape((theta.shape[0],) + tuple(shape))
        start = stop
    return out


def loss_function(net: Network, X, Y, backend: str = "numpy", single: bool = False):
    """E(Θ) on (X, Y) for a stack of parameter vectors, in ``backend`` (module docstring)."""
    ops = backend_ops(backend)
    u = sp.Symbol("u")
    k = len(net.targets)
    outs, ys, zs = sp.symbols(f"a0:{k}"), sp.symbols(f"y0:{k}"), sp.symbols(f"z0:{k}")
    loss = get_loss(net.loss.kind)
    last = get_activation(net.layers[-1].activation)
    fused = fuses(loss.name, last.name)
    per_example = sp.lambdify(
        (outs, ys), loss.from_logits(list(zs), list(ys), net.loss).xreplace(
            dict(zip(zs, outs, strict=True))) if fused else
        loss.example(list(outs), list(ys), net.loss), modules=[ops])
    acts = []
    for layer in net.layers:
        act = get_activation(layer.activation)
        if act.elementwise:
            acts.append(sp.lambdify(u, act.stable(u), modules=[ops]))
        else:
            cols = sp.symbols(f"c0:{layer.units}")
            fn = sp.lambdify([cols], act.stable(list(cols)), modules=[ops])
            acts.append(lambda z, fn=fn, n=layer.units: ops["stack"](
                list(fn([z[..., j] for j in range(n)]))))
    X0, Yc = ops["const"](np.asarray(X, dtype=np.float64)), np.asarray(Y, dtype=np.float64)
    ycols = [ops["const"](Yc[:, j]) for j in range(k)]
    shapes, n = net.param_shapes(), len(Yc)
    mean = net.loss.reduce_examples == "mean"

    def batched(theta):
        p = unpack(theta, shapes)
        A = X0
        for l, layer in enumerate(net.layers, start=1):
            W = p[f"W{l}"]
            if layer.input_function == "squared_distance":
                Z = ops["sum"]((A[..., :, :, None] - W[:, None, :, :]) ** 2, -2)
            else:
                Z = A @ W
            if layer.bias:
                Z = Z + p[f"b{l}"][:, None, :]
            A = Z if (l == len(net.layers) and fused) else acts[l - 1](Z)
        terms = per_example([A[..., j] for j in range(k)], ycols)
        total = ops["sum"](terms, -1)
        return total / n if mean else total

    if single:
        return lambda theta: batched(theta.reshape((1, -1)))[0]
    return batched


_EXPR_OPS = {"add": lambda o, a, b: a + b, "sub": lambda o, a, b: a - b,
             "mul": lambda o, a, b: a * b, "div": lambda o, a, b: a / b,
             "pow": lambda o, a, b: a ** b, "neg": lambda o, a: -a,
             "sigmoid": lambda o, a: 1 / (1 + o["exp"](-a)),
             # By maximum alone: NumPy orders complex numbers by their real part first, so
             # the complex step takes the branch the real point takes.
             "max": lambda o, a, b: o["Max"](a, b), "min": lambda o, a, b: -o["Max"](-a, -b),
             "abs": lambda o, a: o["Max"](a, -a), "relu": lambda o, a: o["Max"](0 * a, a)}


def expression_function(report, backend: str = "numpy", single: bool = False):
    """A plain expression's graph (``derive.expression.derive`` report) as f(Θ) over a
    stack (P, N)."""
    ops = backend_ops(backend)
    index = {v: i for i, v in enumerate(report.variables)}

    def operand(value, o):
        if isinstance(o, sp.Symbol):
            return value[o]
        return int(o) if o.is_Integer else float(o)

    def batched(theta):
        value = {v: theta[..., i] for v, i in index.items()}
        for node in report.nodes:
            if node.op == "input":
                continue
            args = [operand(value, o) for o in node.operands]
            rule = _EXPR_OPS.get(node.op)
            value[node.symbol] = rule(ops, *args) if rule else ops[node.op](*args)
        return value[report.output]

    return batched  # θ[..., i] serves one vector (N,) as well as a stack (P, N)
