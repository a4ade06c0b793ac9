"""Training with the generated module: loss history, comparisons, decision boundary.

Contract: ``train(setting, **settings)`` calls the generated module's ``train()`` on the spec's
data from the setting's start (the spec's parameters, else ``init_params(seed)``), with the
spec's training settings where an argument is ``None``; the history it returns is
``train()``'s own ``history["loss"]`` (Keras' ``H.history['loss']``), untouched. On request it
trains again, from the same start with the same seed, for each rate of ``compare_rates``, for
SGD (momentum 0) against SGD + momentum 0.9 (``compare_momentum``) and for online (batch size
1) against full batch (``compare_batch``). For a classifier of two inputs (targets 0/1 or
one-hot) it samples the trained network's output (``forward``) over the plane of the data: the
decision boundary. Settings out
of range, or epochs × rows over ``MAX_WORK``, are a ``SpecError`` before anything trains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from codegen.lessons import network as nw
from derive.errors import SpecError

MAX_EPOCHS = 100_000
MAX_WORK = 50_000_000  # epochs × data rows, per training run
MAX_RATES = 8
BOUNDARY_RESOLUTION = 200


@dataclass(frozen=True)
class Curve:
    """One training run's loss per epoch, and what set it apart."""

    label: str
    settings: dict
    history: list[float]


@dataclass(frozen=True)
class Boundary:
    """The trained network's output over the plane of a two-input classifier's data."""

    x1: np.ndarray
    x2: np.ndarray
    output: np.ndarray  # (len(x2), len(x1)): P(class 1), or the class when several outputs
    X: np.ndarray
    classes: np.ndarray
    inputs: list[str]  # mathtext labels
    binary: bool


@dataclass
class Training:
    """The main run, the comparisons asked for, the boundary and the accuracy."""

    name: str
    settings: dict
    params: dict[str, np.ndarray]
    history: list[float]
    accuracy: float | None
    cost: str
    comparisons: dict[str, list[Curve]] = field(default_factory=dict)
    boundary: Boundary | None = None


def settings_of(s: nw.Setting, given: dict) -> dict:
    """``train()``'s keyword settings: the given ones (not None) over the spec's; checked."""
    out = {k: v for k, v in s.defaults.items() if k != "callback"}
    out.update({k: v for k, v in given.items() if v is not None})
    return checked(s, out)


def checked(s: nw.Setting, out: dict) -> dict:
    """``out`` when its settings are in range, else a ``SpecError``."""
    epochs, rate, momentum = out["epochs"], out["learning_rate"], out["momentum"]
    if not 1 <= epochs <= MAX_EPOCHS:
        raise SpecError(f"--epochs must be between 1 and {MAX_EPOCHS}, not {epochs}")
    if not (rate > 0 and math.isfinite(rate)):
        raise SpecError(f"--learning-rate must be positive, not {rate}")
    if not 0 <= momentum < 1:
        raise SpecError(f"--momentum must be in [0, 1), not {momentum}")
    if out["batch_size"] is not None and out["batch_size"] < 1:
        raise SpecError(f"--batch-size must be at least 1 (or 'all'), not {out['batch_size']}")
    if epochs * len(s.X) > MAX_WORK:
        raise SpecError(f"{epochs} epochs × {len(s.X)} rows is more than {MAX_WORK:,} row "
                        "passes; train for fewer epochs")
    return out


def _run(s: nw.Setting, settings: dict) -> tuple[dict, list[float]]:
    """The module's ``train()`` from the start (standardisation refitted by train())."""
    start = {k: v for k, v in s.start.items() if k in s.net.param_shapes()}
    with np.errstate(all="ignore"):
        params, history = s.module.train(start, s.X, s.Y, **settings)
    return params, list(history["loss"])


def _classes(Y: np.ndarray) -> np.ndarray:
    return (Y[:, 0] >= 0.5).astype(int) if Y.shape[1] == 1 else np.argmax(Y, axis=1)


def boundary(s: nw.Setting, params: dict) -> Boundary:
    """The output of the trained network over the data's plane, with a margin."""
    lo, hi = s.X.min(axis=0), s.X.max(axis=0)
    margin = 0.15 * np.maximum(hi - lo, 1e-9)
    x1 = np.linspace(lo[0] - margin[0], hi[0] + margin[0], BOUNDARY_RESOLUTION)
    x2 = np.linspace(lo[1] - margin[1], hi[1] + margin[1], BOUNDARY_RESOLUTION)
    grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        out = np.asarray(s.module.forward(params, grid))
    binary = out.shape[1] == 1
    shaped = (out[:, 0] if binary else np.argmax(out, axis=1)).reshape(len(x2), len(x1))
    inputs = [nw.label(s, f"x[{i}]") for i in range(2)]
    return Boundary(x1, x2, shaped, s.X, _classes(s.Y), inputs, binary)


def classifier(Y: np.ndarray) -> bool:
    """Whether the targets are classes: 0/1 in one column, or one-hot rows."""
    if not np.all(np.isin(Y, (0, 1))):
        return False
    return Y.shape[1] == 1 or bool(np.all(Y.sum(axis=1) == 1))


def accuracy(s: nw.Setting, params: dict) -> float | None:
    """Share of rows classified right (outputs > 0.5, or argmax); None unless the targets
    are classes."""
    if not classifier(s.Y):
        return None
    with np.errstate(all="ignore"):
        out = np.asarray(s.module.forward(params, s.X))
    guess = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)
    return float(np.mean(guess == _classes(s.Y)))


def train(s: nw.Setting, *, epochs: int | None = None, learning_rate: float | None = None,
          batch_size: int | None | str = "spec", momentum: float | None = None,
          shuffle: bool | None = None, standardize: bool | None = None,
          seed: int | None = None, compare_rates: list[float] | tuple = (),
          compare_momentum: bool = False, compare_batch: bool = False) -> Training:
    """Train and compare (see the module docstring). ``batch_size`` ``"spec"`` keeps the
    spec's; ``None`` is the full batch."""
    given = {"epochs": epochs, "learning_rate": learning_rate, "momentum": momentum,
             "shuffle": shuffle, "standardize": standardize, "seed": seed}
    settings = settings_of(s, given)
    if batch_size != "spec":
        settings = checked(s, {**settings, "batch_size": batch_size})
    if len(compare_rates) > MAX_RATES:
        raise SpecError(f"--compare-rates takes at most {MAX_RATES} rates")
    variants: dict[str, list[tuple[str, dict]]] = {}
    if compare_rates:
        variants["rates"] = [(f"ε = {r:g}", checked(s, {**settings, "learning_rate": r}))
                             for r in compare_rates]
    if compare_momentum:
        variants["momentum"] = [("SGD", {**settings, "momentum": 0.0}),
                                ("SGD + momentum 0.9", {**settings, "momentum": 0.9})]
    if compare_batch:
        variants["batch"] = [("online (batch size 1)", {**settings, "batch_size": 1}),
                             ("full batch", {**settings, "batch_size": None})]
    params, history = _run(s, settings)
    result = Training(s.net.name, settings, params, history, accuracy(s, params),
                      nw.cost_label(s))
    for kind, runs in variants.items():
        result.comparisons[kind] = [Curve(label, run, _run(s, run)[1]) for label, run in runs]
    if len(s.net.inputs) == 2 and classifier(s.Y):
        result.boundary = boundary(s, params)
    return result
