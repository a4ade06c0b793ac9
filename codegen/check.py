"""Checking a generated module's gradients against finite differences.

Contract: ``check(target, seed)`` takes a spec (file or built-in example name) or the path of
a generated ``.py`` module (loaded by ``codegen.loader``), and returns a ``CheckReport``: for
every parameter tensor the worst relative error, over all its entries, between the module's
``gradients`` and central differences of its ``loss`` — and of the complex step
Im E(θ + ih)/h where the module's loss accepts complex parameters (tanh, exp, sqrt and
arithmetic do; ``np.logaddexp``, used by the stable cross-entropies and softplus, and
``np.heaviside`` do not). Where it does not and the network is known (a spec, or
``check_module(..., net=…)``), the complex step differences the complex-safe forward pass
``codegen.forward.loss_function`` of the same network — the one ``chainrule compare`` uses; a
bare module file then gets central differences only. Both methods are those of
``codegen.differences``, the one numeric gradient ``compare`` uses too.
The points are seeded: parameters from ``init_params(seed)`` and random inputs and targets
valid for every loss (in [0, 1], rows summing to 1 when there are several outputs).
``report.ok`` holds only when every error is under the tolerance. A network of more than
``ALL_UP_TO`` parameters has a seeded sample of ``SAMPLE`` entries of each larger tensor
checked (every entry would take minutes: two loss calls each), and the report says so.
The relative error of an entry is |g − d| / max(|g|, |d|, 1e-4·max(1, |E|)): the floor keeps
the rounding of differences (about eps^(2/3)·|E|) from dominating entries near 0.
A module that breaks — a function that raises, params without a tensor the check needs, a
loss that is not a finite number, gradients of the wrong keys or shapes — and a seed that is
not a whole number ≥ 0 raise a ``ChainruleError`` with a one-line message.
"""

from __future__ import annotations

import math
import numbers
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codegen.differences import (
    USUAL,
    complex_step,
    differences,
    entrywise_error,
    stacked,
    usual_step,
)
from codegen.emit import render
from codegen.forward import loss_function, pack
from codegen.loader import load_file, load_source, one_line
from derive import spec as specs
from derive.errors import ChainruleError, SpecError
from derive.network import Network

# Central differences with h = ∛eps·max(1, |θ|) err by about eps^(2/3): 4e-11 in float64.
CENTRAL_TOLERANCE = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 3e-2}
COMPLEX_TOLERANCE = 1e-9
USUAL_COMPLEX = USUAL["complex step"]
ALL_UP_TO, SAMPLE = 5000, 500  # parameters checked entry by entry; else entries per tensor


@dataclass(frozen=True)
class TensorCheck:
    """The worst errors over one parameter tensor's entries (None: method not available)."""

    name: str
    entries: int
    checked: int
    central: float
    complex_step: float | None


@dataclass
class CheckReport:
    """The result of checking one module's gradients."""

    target: str
    tensors: list[TensorCheck] = field(default_factory=list)
    central_tolerance: float = CENTRAL_TOLERANCE[np.dtype(np.float64)]
    complex_tolerance: float = COMPLEX_TOLERANCE

    @property
    def ok(self) -> bool:
        """True when every tensor's errors are under the tolerances."""
        return all(
            t.central < self.central_tolerance
            and (t.complex_step is None or t.complex_step < self.complex_tolerance)
            for t in self.tensors
        )

    def __str__(self) -> str:
        lines = [f"gradient check of {self.target}",
                 f"{'tensor':<8} {'entries':>7} {'checked':>7} {'central diff':>13} "
                 f"{'complex step':>13}"]
        for t in self.tensors:
            cs = "n/a" if t.complex_step is None else f"{t.complex_step:.2e}"
            lines.append(f"{t.name:<8} {t.entries:>7} {t.checked:>7} {t.central:>13.2e} "
                         f"{cs:>13}")
        if any(t.checked < t.entries for t in self.tensors):
            lines.append(f"over {ALL_UP_TO} parameters: a seeded sample of {SAMPLE} entries of "
                         "each larger tensor is checked")
        verdict = "ok" if self.ok else "FAILED"
        lines.append(f"{verdict}: tolerances {self.central_tolerance:.0e} (central), "
                     f"{self.complex_tolerance:.0e} (complex step)")
        return "\n".join(lines)


def load_module(target: str | Path) -> tuple[types.ModuleType, str, Network | None]:
    """The module behind ``target``, its label and its network (None for a bare module
    file): a generated .py file, or the module rendered fresh from a spec."""
    if Path(target).suffix == ".py":
        return load_file(target), str(target), None
    net = specs.load(target)
    return load_source(render(net, str(target)), net.name, label=str(target)), str(target), net


def _check_seed(seed) -> None:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SpecError(f"seed {seed!r}: the seed must be a whole number ≥ 0, e.g. --seed 0")


def _calling(target: str, name: str, fn, *args):
    """``fn(*args)``; whatever it raises becomes one line naming the module and ``name``."""
    try:
        return fn(*args)
    except ChainruleError:
        raise
    except (Exception, SystemExit) as exc:  # the module's own code failed or exited
        raise SpecError(f"{target}: {name}() raised {one_line(exc)}; give a module that "
                        "chainrule codegen wrote") from None


def _point(module: types.ModuleType, target: str, seed: int, rows: int):
    """Seeded parameters (jittered), X and Y; one-line errors for params that will not do."""
    rng = np.random.default_rng(seed)
    raw = _calling(target, "init_params", module.init_params, seed)
    if not isinstance(raw, dict) or not raw:
        raise SpecError(f"{target}: init_params() gives {type(raw).__name__}, not a dict of "
                        "parameter arrays; give a module that chainrule codegen wrote")
    if "W1" not in raw:
        raise SpecError(f"{target}: init_params() gives no W1 (it has "
                        f"{', '.join(map(str, raw))}); give a module that chainrule codegen "
                        "wrote")
    try:
        params = {str(k): _array(v) for k, v in raw.items()}
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SpecError(f"{target}: init_params() gives a parameter that is not an array of "
                        f"numbers ({one_line(exc)})") from None
    if params["W1"].ndim != 2 or not all(np.all(np.isfinite(v)) for v in params.values()):
        raise SpecError(f"{target}: init_params() gives W1 of shape {params['W1'].shape} or "
                        "values that are not finite; W1 must be a finite (inputs, units) matrix")
    # Jittered, so that no relu or |·| kink sits within a difference step of a unit's z.
    params = {k: v + rng.normal(0.0, 0.1, v.shape) for k, v in params.items()}
    X = rng.normal(0.0, 1.0, size=(rows, params["W1"].shape[0]))
    shape = tuple(np.shape(_calling(target, "forward", module.forward, params, X)))
    if len(shape) != 2 or shape[0] != rows:
        raise SpecError(f"{target}: forward() of {rows} rows gives shape {shape}, not "
                        f"({rows}, outputs)")
    Y = rng.uniform(0.0, 1.0, size=(rows, shape[1]))
    if shape[1] > 1:
        Y /= Y.sum(axis=1, keepdims=True)
    return params, X, Y


def check_module(module: types.ModuleType, target: str = "module", seed: int = 0,
                 rows: int = 5, net: Network | None = None) -> CheckReport:
    """Check ``module``'s gradients at a seeded random point (see the module docstring);
    ``net``, the module's network, gives the complex step where the module's loss cannot."""
    _check_seed(seed)
    params, X, Y = _point(module, target, int(seed), rows)
    grads = _calling(target, "gradients", module.gradients, params, X, Y)
    if not isinstance(grads, dict):
        raise SpecError(f"{target}: gradients() gives {type(grads).__name__}, not a dict")
    wrong = [k for k in params if k not in grads or not _numbers_shaped(grads[k], params[k])]
    if wrong:
        raise SpecError(f"{target}: gradients() gives no gradient of the right shape for "
                        f"{', '.join(wrong)}")
    value = _calling(target, "loss", module.loss, params, X, Y)
    try:
        loss = float(value)
    except (TypeError, ValueError):
        loss = float("nan")
    if not np.isfinite(loss):
        raise SpecError(f"{target}: loss() gives {' '.join(repr(value).split())[:80]}, not a "
                        "finite number")
    shapes = {k: v.shape for k, v in params.items()}
    theta = pack(params, shapes)
    own = stacked(lambda p: module.loss(p, X, Y), shapes)
    dtype = np.dtype(getattr(module, "DTYPE", np.float64))
    chosen = _entries(shapes, int(seed))
    central = _calling(target, "loss", differences, own, theta, "central difference",
                       usual_step("central difference", dtype), chosen)
    step = None
    if dtype == np.float64:  # the complex step needs float64 to reach its precision
        step = _calling(target, "loss", complex_step, own, theta, USUAL_COMPLEX, chosen)
        if step is None and net is not None and set(net.param_shapes()) == set(shapes):
            step = complex_step(_in_order(loss_function(net, X, Y), shapes,
                                          net.param_shapes()), theta, USUAL_COMPLEX, chosen)
    floor = 1e-4 * max(1.0, abs(loss))
    report = CheckReport(target, central_tolerance=CENTRAL_TOLERANCE.get(dtype, 3e-2))
    start = 0
    for key, tensor in params.items():
        part = (chosen >= start) & (chosen < start + tensor.size)
        grad = _array(grads[key]).ravel()[chosen[part] - start]
        start += tensor.size
        report.tensors.append(TensorCheck(
            name=key, entries=tensor.size, checked=int(part.sum()),
            central=entrywise_error(grad, central[part], floor),
            complex_step=None if step is None else entrywise_error(grad, step[part], floor)))
    return report


def _entries(shapes: dict, seed: int) -> np.ndarray:
    """The flat indices checked: all up to ``ALL_UP_TO`` parameters, else of each tensor all
    its entries or a seeded sample of ``SAMPLE`` of them."""
    sizes = [math.prod(shape) for shape in shapes.values()]
    if sum(sizes) <= ALL_UP_TO:
        return np.arange(sum(sizes))
    rng, out, start = np.random.default_rng(seed), [], 0
    for size in sizes:
        pick = np.arange(size) if size <= SAMPLE else rng.choice(size, SAMPLE, replace=False)
        out.append(start + np.sort(pick))
        start += size
    return np.concatenate(out)


def _array(value) -> np.ndarray:
    """``value`` as a float64 array (a tensor of an AD library detached first)."""
    detach = getattr(value, "detach", None)
    return np.asarray(detach() if callable(detach) else value, dtype=np.float64)


def _numbers_shaped(value, like: np.ndarray) -> bool:
    """Whether ``value`` is an array of real numbers of ``like``'s shape."""
    try:
        return _array(value).shape == like.shape
    except (TypeError, ValueError, RuntimeError):
        return False


def _in_order(f, shapes: dict, order: dict):
    """``f`` of vectors packed in ``order`` as a function of vectors packed in ``shapes``."""
    offsets, start = {}, 0
    for key, shape in shapes.items():
        offsets[key] = np.arange(start, start + int(np.prod(shape)))
        start += int(np.prod(shape))
    index = np.concatenate([offsets[key] for key in order])
    return lambda thetas: f(thetas[:, index])


def check(target: str | Path, seed: int = 0) -> CheckReport:
    """Check the gradients of a spec's module, or of a generated module file."""
    _check_seed(seed)
    module, label, net = load_module(target)
    return check_module(module, label, seed, net=net)
