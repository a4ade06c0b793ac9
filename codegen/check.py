"""Checking a generated module's gradients against finite differences.

Contract: ``check(target)`` takes a spec (file or built-in example name) or the path of a
generated ``.py`` module, and returns a ``CheckReport``: for every parameter tensor the worst
relative error, over all its entries, between the module's ``gradients`` and central
differences of its ``loss`` — and of the complex step Im E(θ + ih)/h where the module's loss
accepts complex parameters (tanh, exp, sqrt and arithmetic do; ``np.logaddexp``, used by the
stable cross-entropies and softplus, and ``np.heaviside`` do not, so those nets get central
differences only). The points are seeded: parameters from ``init_params(seed)`` and random
inputs and targets valid for every loss (in [0, 1], rows summing to 1 when there are several
outputs). ``report.ok`` holds only when every error is under the tolerance.
The relative error of an entry is |g − d| / max(|g|, |d|, 1e-4·max(1, |E|)): the floor keeps
the rounding of differences (about eps^(2/3)·|E|) from dominating entries near 0.
"""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codegen.emit import render
from derive import spec as specs
from derive.errors import SpecError

# Central differences with h = ∛eps·max(1, |θ|) err by about eps^(2/3): 4e-11 in float64.
CENTRAL_TOLERANCE = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 3e-2}
COMPLEX_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TensorCheck:
    """The worst errors over one parameter tensor's entries (None: method not available)."""

    name: str
    entries: int
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
                 f"{'tensor':<8} {'entries':>7} {'central diff':>13} {'complex step':>13}"]
        for t in self.tensors:
            cs = "n/a" if t.complex_step is None else f"{t.complex_step:.2e}"
            lines.append(f"{t.name:<8} {t.entries:>7} {t.central:>13.2e} {cs:>13}")
        verdict = "ok" if self.ok else "FAILED"
        lines.append(f"{verdict}: tolerances {self.central_tolerance:.0e} (central), "
                     f"{self.complex_tolerance:.0e} (complex step)")
        return "\n".join(lines)


# What check_module uses of a module: its pinned API and two constants.
API = ("init_params", "loss", "gradients", "DTYPE", "LAYER_UNITS")


def load_module(target: str | Path) -> tuple[types.ModuleType, str]:
    """The module behind ``target``: a generated .py file, or rendered fresh from a spec."""
    path = Path(target)
    if path.suffix == ".py":
        if not path.is_file():
            raise SpecError(f"module {str(target)!r} not found")
        spec = importlib.util.spec_from_file_location(f"chainrule_check_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:  # the module's own code failed or exited
            raise SpecError(f"importing {path} failed ({type(exc).__name__}: {exc}); give a "
                            "module that chainrule codegen wrote") from None
        missing = [name for name in API if not hasattr(module, name)]
        if missing:
            raise SpecError(f"{path} is not a chainrule module: it lacks "
                            f"{', '.join(missing)}; give one that chainrule codegen wrote")
        return module, str(path)
    net = specs.load(target)
    return module_from_source(render(net, str(target)), net.name), str(target)


def module_from_source(source: str, name: str) -> types.ModuleType:
    """Execute generated ``source`` as a fresh module named ``name``."""
    module = types.ModuleType(f"chainrule_check_{name}")
    module.__file__ = f"<chainrule {name}>"
    sys.modules.pop(module.__name__, None)
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def _relative(g: np.ndarray, d: np.ndarray, floor: float) -> float:
    scale = np.maximum(np.maximum(np.abs(g), np.abs(d)), floor)
    return float(np.max(np.abs(g - d) / scale))


def _complex_step(module, params, X, Y, key, index, h=1e-30) -> float | None:
    bumped = {k: v.astype(complex) for k, v in params.items()}
    bumped[key][index] += 1j * h
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value = module.loss(bumped, X, Y)
    except (TypeError, Warning):
        return None
    return np.imag(value) / h


def check_module(module: types.ModuleType, target: str = "module", seed: int = 0,
                 rows: int = 5) -> CheckReport:
    """Check ``module``'s gradients at a seeded random point (see the module docstring)."""
    rng = np.random.default_rng(seed)
    # Jittered, so that no relu or |·| kink sits within a difference step of a unit's z.
    params = {k: np.asarray(v, dtype=np.float64) + rng.normal(0.0, 0.1, np.shape(v))
              for k, v in module.init_params(seed).items()}
    n_in, n_out = params["W1"].shape[0], module.LAYER_UNITS[-1]
    X = rng.normal(0.0, 1.0, size=(rows, n_in))
    Y = rng.uniform(0.0, 1.0, size=(rows, n_out))
    if n_out > 1:
        Y /= Y.sum(axis=1, keepdims=True)
    grads = {k: np.asarray(v) for k, v in module.gradients(params, X, Y).items()}
    wrong = [k for k in params if k not in grads or np.shape(grads[k]) != params[k].shape]
    if wrong:
        raise SpecError(f"{target}: gradients() gives no gradient of the right shape for "
                        f"{', '.join(wrong)}")
    floor = 1e-4 * max(1.0, abs(module.loss(params, X, Y)))
    dtype = np.dtype(module.DTYPE)  # a NumPy dtype in every style and target
    report = CheckReport(target, central_tolerance=CENTRAL_TOLERANCE[dtype])
    step_size = float(np.finfo(dtype).eps) ** (1 / 3)
    complex_ok = dtype == np.float64  # the complex step needs float64 to reach its precision
    for key, value in params.items():
        central = np.empty_like(value)
        step = np.full_like(value, np.nan)
        for index in np.ndindex(value.shape):
            h = step_size * max(1.0, abs(value[index]))
            up, down = dict(params), dict(params)
            up[key], down[key] = value.copy(), value.copy()
            up[key][index] += h
            down[key][index] -= h
            central[index] = (module.loss(up, X, Y) - module.loss(down, X, Y)) / (2 * h)
            if complex_ok:
                result = _complex_step(module, params, X, Y, key, index)
                complex_ok = result is not None
                step[index] = np.nan if result is None else result
        use_complex = complex_ok
        report.tensors.append(TensorCheck(
            name=key,
            entries=value.size,
            central=_relative(grads[key], central, floor),
            complex_step=_relative(grads[key], step, floor) if use_complex else None,
        ))
    if not complex_ok:  # a later tensor found complex unsupported: report none of them
        report.tensors = [TensorCheck(t.name, t.entries, t.central, None) for t in report.tensors]
    return report


def check(target: str | Path, seed: int = 0) -> CheckReport:
    """Check the gradients of a spec's module, or of a generated module file."""
    module, label = load_module(target)
    return check_module(module, label, seed)
