"""The cost landscape over two chosen parameters, the others held.

Contract: ``landscape(setting, names, lo, hi, resolution, path, …)`` evaluates the generated
module's ``loss`` over all the spec's data at every point of a ``resolution`` × ``resolution``
grid of the two parameters ``names`` (notation or canonical spelling) over [lo, hi], every other
parameter held at the setting's start (the spec's values, else the seeded ones). ``values[i, j]``
is the cost at (``axis[j]``, ``axis[i]``): the first parameter runs along x. With ``path``
``sgd`` or ``momentum`` it adds the descent from the start over these two parameters (the
module's ``gradients``, full batch, the update of ``descent.descend``), and always the
direction of steepest descent −∇E/|∇E| on a coarse grid: arrows perpendicular to the contours.
Sizes are checked before anything is evaluated (``check_size``); bad input is a ``SpecError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from codegen.lessons import network as nw
from codegen.lessons.descent import Trace, descend
from derive.errors import SpecError

MAX_RESOLUTION = 400
MAX_WORK = 20_000_000  # grid points × data rows evaluated
MAX_STEPS = 100_000
ARROWS = 11  # arrows per axis
PATHS = ("sgd", "momentum", "none")


@dataclass
class Landscape:
    """A cost surface over two parameters with an optional descent path."""

    name: str
    keys: list[str]
    labels: list[str]
    cost: str
    axis: np.ndarray
    values: np.ndarray
    start: tuple[float, float]
    held: int
    path: str
    rate: float
    momentum: float
    trace: Trace | None
    arrows: np.ndarray  # (k, 2) positions
    directions: np.ndarray  # (k, 2) unit vectors −∇E/|∇E|


def check_range(lo: float, hi: float) -> None:
    """A finite range with lo < hi, or a ``SpecError``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise SpecError(f"--range needs LO < HI, both finite; got {lo} {hi}")
    if max(abs(lo), abs(hi)) > 1e6:
        raise SpecError("--range reaches beyond ±1e6; the cost there means nothing")


def check_size(points: int, rows: int, what: str) -> None:
    """Refuse a grid whose evaluation would take too long, before evaluating it."""
    if points * rows > MAX_WORK:
        raise SpecError(f"{what}: {points} points × {rows} data rows is more than "
                        f"{MAX_WORK:,} row evaluations; use fewer points")


def _steps(settings: dict, rate: float | None, steps: int | None,
           momentum: float | None, path: str) -> tuple[float, int, float]:
    rate = float(settings["learning_rate"] if rate is None else rate)
    steps = int(settings["epochs"] if steps is None else steps)
    if path != "momentum":
        momentum = 0.0
    elif momentum is None:
        momentum = float(settings["momentum"]) or 0.9
    if not (rate > 0 and math.isfinite(rate)):
        raise SpecError(f"--learning-rate must be positive, not {rate}")
    if not 0 <= momentum < 1:
        raise SpecError(f"--momentum must be in [0, 1), not {momentum}")
    if not 1 <= steps <= MAX_STEPS:
        raise SpecError(f"--steps must be between 1 and {MAX_STEPS}, not {steps}")
    return rate, steps, momentum


def path_of(s: nw.Setting, keys: list[str], start: list[float], rate: float, steps: int,
            momentum: float) -> Trace:
    """Full-batch descent over the entries ``keys`` from ``start``, the others held."""
    def gradient(x):
        return nw.gradient_of(s, nw.with_values(s.start, keys, x), keys)

    def value(x):
        return s.loss(nw.with_values(s.start, keys, x))

    with np.errstate(all="ignore"):
        return descend(gradient, start, rate, steps, momentum=momentum, value=value)


def landscape(s: nw.Setting, names: list[str], lo: float = -4.0, hi: float = 4.0,
              resolution: int = 41, path: str = "sgd", rate: float | None = None,
              steps: int | None = None, momentum: float | None = None) -> Landscape:
    """The cost surface over two parameters (see the module docstring)."""
    if len(names) != 2:
        raise SpecError(f"a landscape takes exactly two parameters, not {len(names)}")
    if path not in PATHS:
        raise SpecError(f"--path must be one of {', '.join(PATHS)}, not {path!r}")
    keys = nw.entries(s, names)
    check_range(lo, hi)
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise SpecError(f"--resolution must be between 2 and {MAX_RESOLUTION}, "
                        f"not {resolution}")
    check_size(resolution * resolution, len(s.X), "--resolution")
    rate, steps, momentum = _steps(s.defaults, rate, steps, momentum, path)
    axis = np.linspace(lo, hi, resolution)
    values = np.empty((resolution, resolution))
    with np.errstate(all="ignore"):
        for i, y in enumerate(axis):
            for j, x in enumerate(axis):
                values[i, j] = s.loss(nw.with_values(s.start, keys, (x, y)))
    start = nw.values_of(s.start, keys)
    trace = None if path == "none" else path_of(s, keys, start, rate, steps, momentum)
    coarse = np.linspace(lo, hi, ARROWS + 2)[1:-1]
    positions, directions = [], []
    for y in coarse:
        for x in coarse:
            g = np.array(nw.gradient_of(s, nw.with_values(s.start, keys, (x, y)), keys))
            norm = np.linalg.norm(g)
            if norm > 0 and np.isfinite(norm):
                positions.append((x, y))
                directions.append(-g / norm)
    return Landscape(s.net.name, keys, [nw.label(s, k) for k in keys], nw.cost_label(s),
                     axis, values, (start[0], start[1]), s.net.n_params - 2, path, rate,
                     momentum, trace, np.array(positions).reshape(-1, 2),
                     np.array(directions).reshape(-1, 2))
