"""Symbolic, numeric and automatic differentiation of one loss, measured against each other.

Contract: ``compare_network(net, seed)`` and ``compare_expression(report, seed)`` return a
``Comparison``: at one seeded point, the gradient by every method, each method's largest
absolute error and normwise relative error ‖g − r‖∞ / ‖r‖∞ against the reference, its number
of loss evaluations, and its time per full gradient; plus, for the numeric methods, the error
over a sweep of steps 10⁻¹ … 10⁻¹⁵.

* reference — the derived formulas in mpmath at 50 significant digits. For a network these are
  the equations of the delta (backprop) form, ``derive.delta.delta_form``, evaluated on object
  arrays of ``mpf``; this route serves any width, where scalar derivations stop at 300
  parameters. For an expression, the derived (and verified) derivative formulas.
* symbolic, float64 — the NumPy module ``codegen.emit.render(net)`` writes, loaded by
  ``codegen.loader``; for an expression, the derived formulas lambdified to NumPy.
* forward difference (h = √ε), central difference (h = ∛ε), complex step (h = 10⁻²⁰), each step
  scaled by max(1, |θᵢ|): ``codegen.differences``, the numeric gradient ``chainrule check``
  uses too. They difference ``codegen.forward``'s batched, complex-safe float64 loss (the
  registries' stable forms, lambdified), every entry — vectorised over the perturbed
  parameter vectors, not sampled.
* autograd, and PyTorch and JAX where importable, differentiating that same forward pass.

Networks over ``MAX_PARAMS`` parameters are refused (``LimitError``) before anything runs.
The point is the spec's parameters (else seeded ones) and up to ``ROWS`` seeded rows of its
data (else seeded inputs and targets valid for the loss).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from codegen.differences import (
    STEPS,
    USUAL,
    absolute_error,
    differences,
    evaluations,
    normwise_error,
)
from codegen.differences import sweep as step_sweep
from codegen.emit import render
from codegen.forward import expression_function, loss_function, pack
from codegen.loader import load_source
from codegen.progress import task
from derive.activations import get_activation
from derive.errors import LimitError, SpecError
from derive.losses import get_loss
from derive.network import Dense, Network
from derive.numeric import walk

ROWS = 16
MAX_PARAMS = 5000  # every entry is differenced at every step of the sweep, in 50 digits too
DIGITS = 50


@dataclass
class Method:
    """One way to the gradient and how it fared."""

    name: str
    kind: str  # reference, symbolic, numeric, automatic
    gradient: np.ndarray | None
    evaluations: str
    seconds: float
    abs_error: float = 0.0
    rel_error: float = 0.0
    step: float | None = None
    note: str = ""


@dataclass
class Comparison:
    """Every method at one point, and the numeric methods over a sweep of steps."""

    name: str
    n_params: int
    point: str
    methods: list[Method]
    sweep: dict[str, list[float]] = field(default_factory=dict)  # method → rel error per step
    steps: list[float] = field(default_factory=lambda: list(STEPS))
    skipped: list[str] = field(default_factory=list)

    def method(self, name: str) -> Method:
        """The method called ``name``."""
        return next(m for m in self.methods if m.name == name)

    def best_step(self, name: str) -> tuple[float, float]:
        """(step, relative error) where the sweep of ``name`` errs least."""
        errors = self.sweep[name]
        i = int(np.nanargmin(errors))
        return self.steps[i], errors[i]


def per_call(fn: Callable[[], object], budget: float = 0.05, at_most: int = 200,
             warm_up: int = 2) -> float:
    """Seconds per call of ``fn``: the best of repeated calls within about ``budget``
    (the better of two calls when one takes longer than the budget: the first may compile)."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first > budget:
        start = time.perf_counter()
        fn()
        return min(first, time.perf_counter() - start)
    for _ in range(warm_up):  # caches, lazy initialisation, thread pools
        fn()
    best, spent, calls = float("inf"), 0.0, 0
    while (spent < budget or calls < 2) and calls < at_most:
        start = time.perf_counter()
        fn()
        took = time.perf_counter() - start
        best, spent, calls = min(best, took), spent + took, calls + 1
    return best


# --- the point ---------------------------------------------------------------------------
def network_point(net: Network, seed: int = 0) -> tuple[dict, np.ndarray, np.ndarray]:
    """Parameters, and up to ``ROWS`` seeded rows of data valid for the loss."""
    rng = np.random.default_rng(seed)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in net.parameters(seed).items()}
    if net.data is not None:
        X, Y = net.data["x"], net.data["y"]
        rows = np.sort(rng.choice(len(X), size=min(ROWS, len(X)), replace=False))
        return params, X[rows], Y[rows]
    X = rng.normal(0.0, 1.0, size=(ROWS, len(net.inputs)))
    Y = rng.uniform(0.05, 0.95, size=(ROWS, len(net.targets)))
    if net.loss.kind == "categorical_cross_entropy":
        Y /= Y.sum(axis=1, keepdims=True)
    return params, X, Y


# --- the reference: the delta form in mpmath -------------------------------------------------
def _mp_scalar(args, expr) -> Callable:
    return sp.lambdify(args, expr, "mpmath")


def reference_gradients(net: Network, params: dict, X, Y) -> dict[str, np.ndarray]:
    """∂E/∂θ from the delta form's equations, in mpmath at ``DIGITS`` significant digits."""
    _u, _a = sp.symbols("u a")
    outs = sp.symbols(f"a0:{len(net.targets)}")
    ys = sp.symbols(f"y0:{len(net.targets)}")
    example = get_loss(net.loss.kind).example(list(outs), list(ys), net.loss)
    dloss = [_mp_scalar((outs, ys), sp.diff(example, a)) for a in outs]
    with mpmath.workdps(DIGITS):
        mpf = np.vectorize(mpmath.mpf, otypes=[object])
        env = {"A0": mpf(X), "Y": mpf(Y), **{k: mpf(v) for k, v in params.items()}}
        n = len(X)

        def rows(scalar, *arrays):  # one call per row, for functions of a whole row
            return np.array([scalar(*r) for r in zip(*arrays, strict=True)], dtype=object)

        def fn(name, z):
            act = get_activation(name)
            if not act.elementwise:
                zs = sp.symbols(f"z0:{z.shape[1]}")
                return rows(_mp_scalar([zs], act.define(list(zs))), z)
            return np.vectorize(_mp_scalar(_u, act.define(_u)), otypes=[object])(z)

        def ident(name, z, a):
            derivative = _mp_scalar((_u, _a), get_activation(name).derivative(_u, _a))
            return np.vectorize(derivative, otypes=[object])(z, a)

        def dloss_of(A):
            return np.stack([rows(lambda o, y, g=g: g(o, y), A, env["Y"]) for g in dloss],
                            axis=1)

        def number(factor):
            f = sp.Rational(factor)
            return mpmath.mpf(f.p) / f.q

        grads = walk(net, env, n, number=number, fn=fn, ident=ident, dloss=dloss_of)
        return {k: np.array(grads[k], dtype=object) for k in params}


# --- numeric differences, vectorised over perturbed parameter vectors ----------------------------
def _numeric(f, theta: np.ndarray, comparison: Comparison, reference: np.ndarray,
             sweep: bool = True) -> None:
    n = theta.size
    with np.errstate(all="ignore"):
        for name, h in USUAL.items():
            grad = differences(f, theta, name, h)
            seconds = per_call(lambda name=name, h=h: differences(f, theta, name, h))
            count = evaluations(name, n)
            noun = ("complex loss" if name == "complex step" else "loss") + (
                "es" if count != 1 else "")
            comparison.methods.append(Method(name, "numeric", grad, f"{count} {noun}",
                                             seconds, step=h))
            if sweep:
                comparison.sweep[name] = step_sweep(f, theta, name, reference)


# --- automatic differentiation ------------------------------------------------------------------
def ad_gradients(make_loss: Callable[[str], Callable], theta: np.ndarray) -> list[Method]:
    """Gradients by autograd, PyTorch and JAX (those importable) of ``make_loss(backend)``.

    ``make_loss(backend)`` returns a scalar function of one flat parameter vector written with
    that backend's array functions.
    """
    found = []
    try:
        import autograd

        grad = autograd.grad(make_loss("autograd"))
        found.append(Method("autograd", "automatic", np.asarray(grad(theta), dtype=np.float64),
                            "1 forward + 1 reverse sweep", per_call(lambda: grad(theta))))
    except ImportError:
        pass
    try:
        import torch

        f = make_loss("torch")

        def torch_grad():
            t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
            f(t).backward()
            return t.grad.numpy()

        found.append(Method("PyTorch", "automatic", torch_grad(), "1 forward + 1 reverse sweep",
                            per_call(torch_grad)))
    except ImportError:
        pass
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        grad = jax.jit(jax.grad(make_loss("jax")))
        theta_j = jax.numpy.asarray(theta)
        found.append(Method("JAX", "automatic", np.asarray(grad(theta_j), dtype=np.float64),
                            "1 forward + 1 reverse sweep (jit)",
                            per_call(lambda: grad(theta_j).block_until_ready())))
    except ImportError:
        pass
    return found


def missing_ad() -> list[str]:
    """The AD libraries that are not importable here."""
    return [label for module, label in (("autograd", "autograd"), ("torch", "PyTorch"),
                                        ("jax", "JAX"))
            if importlib.util.find_spec(module) is None]


# --- errors and the two comparisons --------------------------------------------------------------
def _finish(comparison: Comparison, reference: np.ndarray) -> Comparison:
    for m in comparison.methods:
        if m.gradient is not None and m.kind != "reference":
            m.abs_error = absolute_error(m.gradient, reference)
            m.rel_error = normwise_error(m.gradient, reference)
    comparison.skipped = missing_ad()
    return comparison


def compare_network(net: Network, seed: int = 0, sweep: bool = True) -> Comparison:
    """Every method's gradient of ``net``'s loss at the seeded point (module docstring);
    a ``LimitError`` over ``MAX_PARAMS`` parameters, before anything is computed."""
    if net.n_params > MAX_PARAMS:
        raise LimitError(f"{net.name} has {net.n_params} parameters, over compare's limit of "
                         f"{MAX_PARAMS} (it differences every entry at 15 steps and evaluates "
                         "the reference in 50 digits); compare a narrower network")
    with task(f"comparing methods on {net.name} ({net.n_params} parameters)", 4) as bar:
        params, X, Y = network_point(net, seed)
        shapes = net.param_shapes()
        theta = pack(params, shapes)
        where = "its data" if net.data is not None else "seeded data"
        comparison = Comparison(net.name, net.n_params,
                                f"{len(X)} rows of {where}, seed {seed}", [])
        bar.step("reference, mpmath at 50 digits")
        start = time.perf_counter()
        exact = reference_gradients(net, params, X, Y)
        seconds = time.perf_counter() - start
        ref = pack({k: v.astype(np.float64) for k, v in exact.items()}, shapes)
        comparison.methods.append(Method("mpmath, 50 digits (reference)", "reference", ref,
                                         "1 forward + 1 backward pass", seconds,
                                         note="the delta form's equations"))
        bar.step("generated NumPy module")
        module = load_source(render(net, net.name), net.name)
        generated = pack(module.gradients(params, X, Y), shapes)
        comparison.methods.append(Method("generated NumPy module", "symbolic", generated,
                                         "1 forward + 1 backward pass",
                                         per_call(lambda: module.gradients(params, X, Y))))
        bar.step("finite differences and the complex step")
        batched = loss_function(net, X, Y, "numpy")
        _numeric(batched, theta, comparison, ref, sweep)
        bar.step("automatic differentiation")
        comparison.methods += ad_gradients(
            lambda backend: loss_function(net, X, Y, backend, single=True), theta)
    return _finish(comparison, ref)


def compare_expression(report, seed: int = 0) -> Comparison:
    """Every method's gradient of a plain expression (a ``derive.expression.derive`` report)."""
    variables = report.variables
    rng = np.random.default_rng(seed)
    if report.point:
        theta = np.array([float(report.point[v]) for v in variables])
    else:
        theta = rng.uniform(0.5, 1.5, size=len(variables))
    point = ", ".join(f"{v} = {x:.6g}" for v, x in zip(variables, theta, strict=True))
    comparison = Comparison(str(report.output), len(variables), point, [])
    formulas = [report.written_out(g.derivation.result) for g in report.gradients]
    if [g.wrt for g in report.gradients] != variables:
        raise SpecError("compare --expr differentiates by every variable; drop --wrt")
    exact_fn = sp.lambdify(variables, formulas, "mpmath")
    with mpmath.workdps(DIGITS):
        start = time.perf_counter()
        exact = exact_fn(*[mpmath.mpf(x) for x in theta])
        seconds = time.perf_counter() - start
        ref = np.array([float(v) if mpmath.im(v) == 0 else np.nan for v in exact])
    if not np.all(np.isfinite(ref)):
        raise SpecError(f"the derivative has no finite real value at {point}; give --at")
    comparison.methods.append(Method("mpmath, 50 digits (reference)", "reference", ref,
                                     "the derived formulas", seconds))
    float_fn = sp.lambdify(variables, formulas, "numpy")
    comparison.methods.append(Method("derived formulas, NumPy", "symbolic",
                                     np.array(float_fn(*theta), dtype=np.float64),
                                     "the derived formulas", per_call(lambda: float_fn(*theta))))
    _numeric(expression_function(report, "numpy"), theta, comparison, ref)
    comparison.methods += ad_gradients(
        lambda backend: expression_function(report, backend, single=True), theta)
    return _finish(comparison, ref)


def widened(net: Network, width: int) -> Network:
    """``net`` with every hidden layer ``width`` units wide (seeded parameters, same data)."""
    layers = [Dense(width if l < len(net.layers) else layer.units, layer.activation, layer.bias,
                    layer.input_function) for l, layer in enumerate(net.layers, start=1)]
    return Network(inputs=list(net.inputs), layers=layers, loss=net.loss, name=net.name,
                   targets=list(net.targets), data=net.data)


def scaling(net: Network, widths: list[int], seed: int = 0) -> list[Comparison]:
    """Comparisons (no step sweep) of ``net`` widened to each of ``widths``."""
    out = []
    with task(f"scaling {net.name}", len(widths)) as bar:
        for width in widths:
            bar.step(f"hidden width {width}")
            out.append(compare_network(widened(net, width), seed, sweep=False))
    return out


def default_widths(net: Network) -> list[int]:
    """Hidden widths for the scaling plot: doublings from a quarter of the spec's own,
    up to 5,000 parameters."""
    hidden = max((layer.units for layer in net.layers[:-1]), default=net.layers[-1].units)
    widths = [max(2, hidden // 4) * 2**i for i in range(7)]
    return [w for w in widths if widened(net, w).n_params <= MAX_PARAMS]
