"""The network model: layers, loss, names, parameters and data, validated on construction.

Contract: a ``Network`` that exists is usable — every name is a safe identifier, every
activation, input function and loss is registered and fits where it is used, and parameters and
data have the canonical shapes. The canonical parameter layout, which no notation changes, is
Keras': per layer ``l`` (from 1) a weight matrix ``W{l}`` of shape (inputs, units) and a bias
vector ``b{l}`` of shape (units,), with ``z = a_prev @ W + b``. Scalar entries are named
``W1[i,j]`` and ``b1[j]`` (0-based).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import sympy as sp

from derive.activations import get_activation
from derive.errors import SpecError
from derive.losses import LossSpec, get_loss

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z")
INPUT_FUNCTIONS = ("weighted_sum", "squared_distance")

# Sizes checked before anything is built (see docs/spec.md, "Limits").
MAX_WIDTH = 1_000_000  # inputs, or units in one layer
MAX_LAYERS = 64
MAX_TOTAL_PARAMS = 50_000_000  # 400 MB of float64 for one copy of the parameters
MAX_EXPONENT = 300  # spec numbers (loss factor, tau) between 1e-300 and 1e300 in size


def check_name(name: object, what: str, symbol: bool = True) -> str:
    """Return ``name`` if it is a safe identifier for Python, SymPy and LaTeX; else raise.
    A name that never becomes a symbol (``symbol=False``: a network's) may shadow SymPy's."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise SpecError(
            f"{what} name {name!r} is not an identifier; use a letter followed by up to 31 "
            "letters, digits or underscores"
        )
    if keyword.iskeyword(name) or (symbol and hasattr(sp, name)):
        raise SpecError(f"{what} name {name!r} is reserved by Python or SymPy; choose another")
    return name


@dataclass(frozen=True)
class Dense:
    """A fully connected layer: ``units`` units, each ``activation(I(a_prev, w) + b)``."""

    units: int
    activation: str = "identity"
    bias: bool = True
    input_function: str = "weighted_sum"

    def __post_init__(self) -> None:
        if isinstance(self.units, bool) or not isinstance(self.units, int) or self.units < 1:
            raise SpecError(f"layer units must be a positive whole number, not {self.units!r}")
        if self.units > MAX_WIDTH:
            raise SpecError(f"layer units {self.units} is over the limit of {MAX_WIDTH}")
        get_activation(self.activation)
        if not isinstance(self.bias, bool):
            raise SpecError(f"layer bias must be true or false, not {self.bias!r}")
        if self.input_function not in INPUT_FUNCTIONS:
            raise SpecError(
                f"unknown input_function {self.input_function!r}; use one of: "
                + ", ".join(INPUT_FUNCTIONS)
            )


def _as_loss(loss: LossSpec | str | Mapping | None) -> LossSpec:
    if isinstance(loss, LossSpec):
        return loss
    if loss is None:
        return LossSpec()
    if isinstance(loss, str):
        return LossSpec(kind=loss)
    if isinstance(loss, Mapping):
        known = {"kind", "factor", "reduce_outputs", "reduce_examples", "tau"}
        unknown = sorted(set(loss) - known)
        if unknown:
            raise SpecError(f"unknown loss key {unknown[0]!r}; use: {', '.join(sorted(known))}")
        args = dict(loss)
        for key in ("factor", "tau"):
            if key in args:
                args[key] = to_rational(args[key], f"loss {key}")
        return LossSpec(**args)
    raise SpecError(f"loss must be a name or a table of settings, not {loss!r}")


def to_rational(value: object, what: str) -> sp.Rational:
    """An exact rational from a spec number (0.5 becomes 1/2, not a binary float), finite and
    between 1e-300 and 1e300 in size (or 0), so that no huge exact number is ever built."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecError(f"{what} must be a number, not {_short(value)}")
    text = str(value).strip()
    try:
        number = Decimal(text) if len(text) <= 64 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise SpecError(f"{what} must be a finite number written in at most 64 characters, "
                        f"not {_short(value)}")
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        raise SpecError(f"{what} {_short(value)} is out of range; use a number between "
                        f"1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT} in size")
    return sp.Rational(str(number))


def _short(value: object) -> str:
    """``repr(value)``, cut to 40 characters: a refusal stays one short line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _has_bool(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return True
    if isinstance(value, list | tuple):
        return any(_has_bool(v) for v in value)
    return False


def as_matrix(value: object, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A finite float64 array of exactly ``shape`` from nested lists; else a ``SpecError``."""
    if _has_bool(value):  # NumPy would read true as 1.0
        raise SpecError(f"{what} must be numbers, not true or false")
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be numbers, shaped {shape}") from None
    if array.shape != shape:
        raise SpecError(f"{what} has shape {array.shape}; it must be {shape}")
    if not np.all(np.isfinite(array)):
        raise SpecError(f"{what} holds a value that is not a finite number")
    return array


@dataclass
class Network:
    """A feed-forward network, its loss and (optionally) its parameters and data.

    ``inputs`` is a count or a list of input names; ``targets`` optionally names the target
    components. ``params`` maps ``W1``, ``b1``, … to arrays of the canonical shapes; ``data``
    maps ``x`` (n, inputs) and ``y`` (n, outputs). ``training`` carries hyper-parameter
    defaults for generated code.
    """

    inputs: int | Sequence[str]
    layers: Sequence[Dense]
    loss: LossSpec | str | Mapping | None = None
    name: str = "network"
    notation: str = "default"
    targets: Sequence[str] | None = None
    params: Mapping[str, object] | None = None
    data: Mapping[str, object] | None = None
    description: str = ""
    training: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name, "network", symbol=False)
        if isinstance(self.inputs, bool):
            raise SpecError("inputs must be a count or a list of names")
        if isinstance(self.inputs, int):
            if self.inputs < 1:
                raise SpecError("inputs must be at least 1")
            if self.inputs > MAX_WIDTH:
                raise SpecError(f"inputs {self.inputs} is over the limit of {MAX_WIDTH}")
            count = self.inputs
            self.inputs = ["x"] if count == 1 else [f"x_{i + 1}" for i in range(count)]
        if not isinstance(self.inputs, Sequence) or isinstance(self.inputs, str):
            raise SpecError("inputs must be a count or a list of names")
        if len(self.inputs) > MAX_WIDTH:
            raise SpecError(f"inputs names {len(self.inputs)} inputs, over the limit of "
                            f"{MAX_WIDTH}")
        self.inputs = [check_name(n, "input") for n in self.inputs]
        if not self.inputs:
            raise SpecError("inputs must name at least one input")
        if not isinstance(self.layers, Sequence) or isinstance(self.layers, str):
            raise SpecError("layers must be a list of layer tables")
        if len(self.layers) > MAX_LAYERS:
            raise SpecError(f"the network has {len(self.layers)} layers, over the limit of "
                            f"{MAX_LAYERS}")
        layers = []
        for i, layer in enumerate(self.layers, start=1):
            if isinstance(layer, Mapping):
                layer = dense_from_mapping(layer, i)
            if not isinstance(layer, Dense):
                raise SpecError(f"layer {i} must be a Dense layer or a table of settings")
            layers.append(layer)
        if not layers:
            raise SpecError("a network needs at least one layer")
        self.layers = layers
        sizes = self.sizes
        total = sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))
        if total > MAX_TOTAL_PARAMS:
            raise SpecError(f"the network has about {total} parameters, over the limit of "
                            f"{MAX_TOTAL_PARAMS}")
        self.loss = _as_loss(self.loss)
        outputs = layers[-1].units
        if self.targets is None:
            self.targets = ["y"] if outputs == 1 else [f"y_{k + 1}" for k in range(outputs)]
        if not isinstance(self.targets, Sequence) or isinstance(self.targets, str):
            raise SpecError(f"targets must be a list of names, such as [\"z\"], not "
                            f"{_short(self.targets)}")
        if len(self.targets) != outputs:
            raise SpecError(f"targets names {len(self.targets)} values; the output layer has "
                            f"{outputs} units")
        self.targets = [check_name(n, "target") for n in self.targets]
        if len(self.targets) != outputs:
            raise SpecError(f"targets names {len(self.targets)} values; the output layer has "
                            f"{outputs} units")
        names = self.inputs + self.targets
        if len(set(names)) != len(names):
            raise SpecError("input and target names must all differ")
        self._check_layers()
        from derive.notation import get_notation  # the notation module reads networks

        get_notation(self.notation)
        if self.params is not None:
            self.params = self.check_params(self.params)
        if self.data is not None:
            self.data = self._check_data(self.data)

    def _check_layers(self) -> None:
        for i, layer in enumerate(self.layers, start=1):
            act = get_activation(layer.activation)
            if act.output_layer_only and i != len(self.layers):
                raise SpecError(f"{act.name} is for the output layer only (layer {i} of "
                                f"{len(self.layers)})")
            if not act.elementwise and layer.units < 2:
                raise SpecError(f"{act.name} needs at least 2 units (layer {i} has 1)")
        loss = get_loss(self.loss.kind)
        last = self.layers[-1].activation
        if loss.outputs is not None and last not in loss.outputs:
            raise SpecError(f"{loss.name} needs an output activation among "
                            f"{', '.join(loss.outputs)}; the output layer uses {last}")

    @property
    def sizes(self) -> list[int]:
        """Units per layer, the inputs first: [n_inputs, units_1, …, units_L]."""
        return [len(self.inputs)] + [layer.units for layer in self.layers]

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Canonical names and shapes, in order: W1, b1, W2, b2, … (b only where bias)."""
        shapes: dict[str, tuple[int, ...]] = {}
        sizes = self.sizes
        for l, layer in enumerate(self.layers, start=1):
            shapes[f"W{l}"] = (sizes[l - 1], layer.units)
            if layer.bias:
                shapes[f"b{l}"] = (layer.units,)
        return shapes

    @property
    def n_params(self) -> int:
        """How many trainable scalars the network has."""
        return sum(int(np.prod(s)) for s in self.param_shapes().values())

    def param_entries(self) -> list[str]:
        """Every canonical scalar entry name, in layout order: W1[0,0], …, b1[0], …"""
        entries = []
        for key, shape in self.param_shapes().items():
            if len(shape) == 2:
                entries += [f"{key}[{i},{j}]" for i in range(shape[0]) for j in range(shape[1])]
            else:
                entries += [f"{key}[{j}]" for j in range(shape[0])]
        return entries

    def trainable(self) -> None:
        """Raise unless gradient descent can train this network (no threshold units)."""
        for i, layer in enumerate(self.layers, start=1):
            act = get_activation(layer.activation)
            if not act.trainable:
                raise SpecError(f"layer {i} uses {act.name}, whose derivative is 0 wherever it "
                                "exists, so gradient descent cannot train it; use sigmoid")

    def check_params(self, params: Mapping[str, object]) -> dict[str, np.ndarray]:
        """``params`` as canonical float64 arrays, every key known and present, every shape
        right; a one-line ``SpecError`` otherwise (the same rule for a spec and a file)."""
        if not isinstance(params, Mapping):
            raise SpecError("params must be a table such as {W1 = [[…]], b1 = […]}, not "
                            f"{type(params).__name__}")
        shapes = self.param_shapes()
        unknown = sorted(set(params) - set(shapes))
        if unknown:
            raise SpecError(f"unknown parameter {unknown[0]!r}; this network has "
                            f"{', '.join(shapes)}")
        missing = [k for k in shapes if k not in params]
        if missing:
            raise SpecError(f"parameter {missing[0]} is missing; give all of "
                            f"{', '.join(shapes)}")
        return {k: as_matrix(params[k], s, f"parameter {k}") for k, s in shapes.items()}

    def _check_data(self, data: Mapping[str, object]) -> dict[str, np.ndarray]:
        if not isinstance(data, Mapping):
            raise SpecError("data must be a table {x = [[…]], y = [[…]]} or {file = \"….csv\"}")
        unknown = sorted(set(data) - {"x", "y"})
        if unknown or "x" not in data or "y" not in data:
            raise SpecError("data must have exactly the keys x and y")
        x = np.array(data["x"], dtype=object)
        n = len(x) if x.ndim >= 1 else 0
        if n == 0:
            raise SpecError("data x must hold at least one example")
        return {
            "x": as_matrix(data["x"], (n, len(self.inputs)), "data x"),
            "y": as_matrix(data["y"], (n, len(self.targets)), "data y"),
        }

    def init_params(self, seed: int = 0) -> dict[str, np.ndarray]:
        """Seeded parameters: weights N(0, 1/fan_in), biases N(0, 0.1²)."""
        rng = np.random.default_rng(seed)
        params = {}
        for key, shape in self.param_shapes().items():
            scale = 1 / np.sqrt(shape[0]) if key.startswith("W") else 0.1
            params[key] = rng.normal(0.0, scale, size=shape)
        return params

    def parameters(self, seed: int = 0) -> dict[str, np.ndarray]:
        """The spec's own parameters where it has them, else seeded ones."""
        return dict(self.params) if self.params is not None else self.init_params(seed)



def dense_from_mapping(layer: Mapping, index: int) -> Dense:
    """A ``Dense`` from a spec table, refusing unknown keys."""
    known = {"units", "activation", "bias", "input_function"}
    unknown = sorted(set(layer) - known)
    if unknown:
        raise SpecError(f"layer {index}: unknown key {unknown[0]!r}; use: "
                        f"{', '.join(sorted(known))}")
    if "units" not in layer:
        raise SpecError(f"layer {index} needs 'units'")
    return Dense(**dict(layer))
