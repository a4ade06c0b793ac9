"""Grid search against Monte Carlo against gradient descent, as the IBM lecture tells it.

Contract: ``search(setting, names, grid, lo, hi, budget, seed, rate)`` searches the d chosen
parameters (the others held at the setting's start) three ways, each spending at most the same
budget of loss evaluations (default: the grid's size, ``grid``ᵈ, and at least one descent
step's):

- grid search: the cost at every point of ``grid`` values per parameter on [lo, hi] (numpy
  ``linspace``), the first parameter varying slowest;
- Monte Carlo: ``budget`` points drawn uniformly from [lo, hi]ᵈ (``default_rng(seed)``);
- gradient descent from the start: each step costs ``GRADIENT_COST`` evaluations (one forward
  pass, whose cost is the step's loss, and one backward pass of about twice its work), plus
  one evaluation of the last point.

Every cost and gradient is the generated module's. Each method reports its evaluations, the best
cost and point it found, and its wall time. ``counts`` lists gridᵈ for d = 1 … 6, 11 (the
slide's rows), where gridᵈ first passes 10⁸⁰ (the atoms in the universe) and the network's full
parameter count. Sizes are checked before anything is evaluated; bad input is a ``SpecError``.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from codegen.lessons import network as nw
from codegen.lessons.descent import Trace
from codegen.lessons.landscape import check_range, check_size, path_of
from derive.errors import SpecError

MAX_POINTS = 1_000_000
GRADIENT_COST = 3
ATOMS = 10**80


@dataclass(frozen=True)
class Method:
    """What one search method spent and found."""

    name: str
    evaluations: int
    best_cost: float
    best_point: tuple[float, ...]
    seconds: float


@dataclass
class Search:
    """The three searches over the same parameters and budget."""

    name: str
    keys: list[str]
    labels: list[str]
    cost: str
    grid: int
    lo: float
    hi: float
    budget: int
    seed: int
    rate: float
    grid_points: np.ndarray
    grid_values: np.ndarray
    samples: np.ndarray
    sample_values: np.ndarray
    trace: Trace
    methods: list[Method]
    counts: list[tuple[int, int]]
    atoms_at: int
    n_params: int

    def method(self, name: str) -> Method:
        """The method called ``name``."""
        return next(m for m in self.methods if m.name == name)


def first_beyond_atoms(grid: int) -> int:
    """The least d with gridᵈ > 10⁸⁰."""
    return math.floor(80 / math.log10(grid)) + 1 if grid > 1 else 0


def counts(grid: int, n_params: int) -> list[tuple[int, int]]:
    """(d, gridᵈ) for the rows the lecture shows, up to the full parameter count."""
    rows = {*range(1, 7), 11, first_beyond_atoms(grid), n_params}
    return [(d, grid**d) for d in sorted(rows) if 1 <= d <= n_params]


def _best(points: np.ndarray, values: np.ndarray) -> tuple[float, tuple[float, ...]]:
    finite = np.where(np.isfinite(values), values, np.inf)
    i = int(np.argmin(finite))
    return float(values[i]), tuple(float(c) for c in points[i])


def _costs(s: nw.Setting, keys: list[str], points: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.array([s.loss(nw.with_values(s.start, keys, p)) for p in points])


def search(s: nw.Setting, names: list[str], grid: int = 21, lo: float = -1.0,
           hi: float = 1.0, budget: int | None = None, seed: int = 0,
           rate: float | None = None) -> Search:
    """Grid, Monte Carlo and gradient descent at one budget (see the module docstring)."""
    if not names:
        raise SpecError("give at least one parameter to search over")
    keys = nw.entries(s, names)
    check_range(lo, hi)
    if grid < 2:
        raise SpecError(f"--grid needs at least 2 values per parameter, not {grid}")
    d = len(keys)
    if d * math.log10(grid) > math.log10(MAX_POINTS):
        raise SpecError(f"a grid of {grid}^{d} = {grid**d:.3g} points is more than "
                        f"{MAX_POINTS:,}; search fewer parameters or use a coarser --grid")
    size = grid**d
    check_size(size, len(s.X), "--grid")
    budget = max(size, GRADIENT_COST + 1) if budget is None else budget
    if not GRADIENT_COST + 1 <= budget <= MAX_POINTS:
        raise SpecError(f"--budget must be between {GRADIENT_COST + 1} and {MAX_POINTS:,} "
                        f"loss evaluations, not {budget}")
    check_size(budget, len(s.X), "--budget")
    rate = float(s.defaults["learning_rate"] if rate is None else rate)
    if not (rate > 0 and math.isfinite(rate)):
        raise SpecError(f"--learning-rate must be positive, not {rate}")

    axis = np.linspace(lo, hi, grid)
    clock = time.perf_counter()
    points = np.array(list(itertools.product(axis, repeat=d))).reshape(-1, d)
    values = _costs(s, keys, points)
    grid_method = Method("grid search", size, *_best(points, values),
                         time.perf_counter() - clock)

    clock = time.perf_counter()
    samples = np.random.default_rng(seed).uniform(lo, hi, size=(budget, d))
    sample_values = _costs(s, keys, samples)
    monte_carlo = Method("Monte Carlo", budget, *_best(samples, sample_values),
                         time.perf_counter() - clock)

    clock = time.perf_counter()
    steps = (budget - 1) // GRADIENT_COST
    trace = path_of(s, keys, nw.values_of(s.start, keys), rate, steps, 0.0)
    descent = Method("gradient descent", GRADIENT_COST * (len(trace.points) - 1) + 1,
                     *_best(np.array(trace.points), np.array(trace.values, dtype=float)),
                     time.perf_counter() - clock)
    return Search(s.net.name, keys, [nw.label(s, k) for k in keys], nw.cost_label(s), grid,
                  lo, hi, budget, seed, rate, points, values, samples, sample_values, trace,
                  [grid_method, monte_carlo, descent], counts(grid, s.net.n_params),
                  first_beyond_atoms(grid), s.net.n_params)
