"""What every style of generated module shares: settings, initialisation, data, predictions.

Contract: ``training_settings(net)`` is the spec's training table over ``TRAINING_DEFAULTS``,
checked (a ``SpecError`` names the bad one). ``common_context(net, spec)`` is everything the
shared template pieces (``templates/common.j2``) and the module docstrings lay out — spec
text already passed through ``codegen.literal``, numbers as literals — and each style adds its
own keys to it. Pure functions of the network and the spec label: same spec, same bytes.
"""

from __future__ import annotations

import base64
import math
import textwrap
import zlib

import numpy as np

from codegen.layout import Call, text
from codegen.literal import docstring_text, py_number
from derive.activations import get_activation
from derive.errors import SpecError
from derive.losses import get_loss
from derive.network import Network
from derive.symbolic import Model

INLINE_LIMIT = 1000  # data with more numbers than this is embedded compressed
TRAINING_DEFAULTS = {
    "epochs": 100,
    "learning_rate": 0.1,
    "batch_size": None,
    "momentum": 0.0,
    "shuffle": True,
    "clip_norm": None,
    "standardize": False,
    "init": "auto",
    "seed": 0,
    "dtype": "float64",
    "print_every": None,
}
INITS = ("auto", "xavier", "he", "small")

def training_settings(net: Network) -> dict[str, object]:
    """The spec's training table over the defaults, checked; a ``SpecError`` if unusable."""
    settings = {**TRAINING_DEFAULTS, **dict(net.training)}
    if settings["dtype"] not in ("float32", "float64"):
        raise SpecError(f"training dtype {settings['dtype']!r}; use 'float32' or 'float64'")
    if settings["init"] not in INITS:
        raise SpecError(f"training init {settings['init']!r}; use one of: {', '.join(INITS)}")
    for key in ("epochs", "seed"):
        if isinstance(settings[key], bool) or not isinstance(settings[key], int):
            raise SpecError(f"training {key} must be a whole number")
    for key in ("learning_rate", "momentum", "clip_norm", "batch_size", "print_every"):
        value = settings[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise SpecError(f"training {key} must be a number")
        if value is not None and not math.isfinite(value):
            raise SpecError(f"training {key} is {value!r}; give a finite number")
        if value is not None and value < 0:
            raise SpecError(f"training {key} must not be negative")
    for key in ("shuffle", "standardize"):
        if not isinstance(settings[key], bool):
            raise SpecError(f"training {key} must be true or false")
    for key in ("epochs", "batch_size", "print_every"):
        value = settings[key]
        if value is not None and (value < 1 or value != int(value)):
            raise SpecError(f"training {key} must be a whole number of at least 1")
    if settings["seed"] < 0:
        raise SpecError(f"training seed is {settings['seed']}; use a whole number of at least 0")
    for key in ("learning_rate", "clip_norm"):
        if settings[key] is not None and settings[key] <= 0:
            raise SpecError(f"training {key} is {settings[key]!r}; it must be above 0")
    if not 0 <= settings["momentum"] < 1:
        raise SpecError("training momentum must be at least 0 and below 1")
    if settings["print_every"] is None:
        settings["print_every"] = max(1, settings["epochs"] // 10)
    return settings


def _init_expr(net: Network, l: int, how: str) -> tuple[str, str]:
    """The expression initialising W{l}, and what it is."""
    layer, fan_in = net.layers[l - 1], net.sizes[l - 1]
    size = f"size=({fan_in}, {layer.units})"
    if layer.input_function == "squared_distance":
        return f"rng.normal(0.0, 1.0, {size}).astype(DTYPE)", "RBF centres N(0, 1)"
    if how == "auto":
        how = "he" if layer.activation == "relu" else "xavier"
    if how == "he":
        std, note = f"np.sqrt(2 / {fan_in})", "He N(0, 2/fan_in)"
    elif how == "xavier":
        std = f"np.sqrt(2 / ({fan_in} + {layer.units}))"
        note = "Xavier N(0, 2/(fan_in + fan_out))"
    else:
        std, note = "0.1", "small N(0, 0.1²)"
    return f"rng.normal(0.0, {std}, {size}).astype(DTYPE)", note


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _array(values: np.ndarray) -> Call:
    """``np.array(…, dtype=DTYPE)`` of a 1-D or 2-D array, for ``layout``: a matrix a row a
    line when the call does not fit on one."""
    def row(v: np.ndarray) -> Call:
        return Call("", [_number(x) for x in v], "[]")

    data = Call("", [row(v) for v in values], "[]", rows=True) if values.ndim == 2 \
        else row(values)
    return Call("np.array", [data, "dtype=DTYPE"])


def _data_context(net: Network) -> dict[str, object]:
    x, y = net.data["x"], net.data["y"]
    table = np.hstack([x, y])
    context = {"rows": len(x), "columns": table.shape[1], "inputs": x.shape[1]}
    if table.size <= INLINE_LIMIT:
        return {**context, "inline": True, "x": text(_array(x), 4, 4),
                "y": text(_array(y), 4, 4)}
    small = bool(np.all(table == np.round(table)) and table.min() >= 0 and table.max() <= 255)
    storage = "uint8" if small else "float64"
    blob = base64.b64encode(zlib.compress(table.astype(storage).tobytes(), 9)).decode()
    return {
        **context,
        "inline": False,
        "storage": storage,
        "note": f"{table.shape[0]} rows by {table.shape[1]} columns of {storage} "
        "(inputs, then targets), "
        "zlib-compressed, base64",
        "chunks": textwrap.wrap(blob, 92),
    }


def _predict_mode(net: Network) -> str:
    loss, last = get_loss(net.loss.kind), get_activation(net.layers[-1].activation)
    classes = loss.name in ("binary_cross_entropy", "categorical_cross_entropy")
    if not last.elementwise or classes:
        return "argmax" if net.layers[-1].units > 1 else "threshold"
    if net.data is not None:
        y = net.data["y"]
        if np.all((y == 0) | (y == 1)) and (y.shape[1] == 1 or np.all(y.sum(axis=1) == 1)):
            return "argmax" if y.shape[1] > 1 else "threshold"
    return "outputs"


PREDICT_DOCS = {
    "argmax": "The class of each row of X: the index of its largest output.",
    "threshold": "The class (0 or 1) of each row of X: 1 where the output exceeds 0.5.",
    "outputs": "The network's outputs for the rows of X (the targets are not classes).",
}




def _shapes_line(net: Network) -> str:
    """SHAPES's dict, laid out after ``SHAPES = ``."""
    entries = [f'"{k}": {s}' for k, s in net.param_shapes().items()]
    return text(Call("", entries, "{}"), 0, len("SHAPES = "))


def _init_note(net: Network, how: str) -> str:
    return ", ".join(f"W{l} {_init_expr(net, l, how)[1]}" for l in range(1, len(net.layers) + 1))


def common_context(net: Network, spec: str, dtype_name: str, lib: str = "np") -> dict:
    """The keys every style's template reads (see the module docstring)."""
    net.trainable()
    training = training_settings(net)
    has_main = net.data is not None
    title = f"{net.name}: a {'-'.join(map(str, net.sizes))} network trained with " \
        f"{'PyTorch' if lib == 'torch' else 'NumPy'}."
    spec_params = None
    if net.params is not None:
        spec_params = [(k, text(_array(v), 8, len(k) + 4, 1)) for k, v in net.params.items()]
    init = []
    for l, layer in enumerate(net.layers, start=1):
        init.append({"key": f"W{l}", "expr": _init_expr(net, l, training["init"])[0]})
        if layer.bias:
            init.append({"key": f"b{l}", "expr": f"np.zeros({layer.units}, DTYPE)"})
    predict = _predict_mode(net)
    return {
        "title": docstring_text(title),
        "spec": docstring_text(spec),
        "command": docstring_text(f"chainrule codegen {spec}"),
        "description": "\n".join(docstring_text(line) for line in
                                 textwrap.wrap(net.description, 96, break_on_hyphens=False))
        or f"The {net.name} network.",
        "notation": docstring_text(Model(net).notation.key),
        "filename": docstring_text(f"{net.name}.py"),
        "dtype_name": f"np.{training['dtype']}",
        "shapes": list(net.param_shapes().items()),
        "shapes_line": _shapes_line(net),
        "inputs": len(net.inputs),
        "outputs": net.layers[-1].units,
        "last": len(net.layers),
        "layer_units": repr(tuple(layer.units for layer in net.layers)),
        "training": {k: py_number(v) for k, v in training.items() if k not in ("dtype", "init")},
        "init": init,
        "init_note": _init_note(net, training["init"]),
        "spec_params": spec_params,
        "mean": net.loss.reduce_examples == "mean",
        "predict": predict,
        "predict_doc": PREDICT_DOCS[predict],
        "has_main": has_main,
        "holdout": has_main and len(net.data["x"]) >= 100,
        "data": _data_context(net) if has_main else {"inline": True},
        "compressed": has_main and net.data["x"].size + net.data["y"].size > INLINE_LIMIT,
        "array_type": "np.ndarray",
        "as_array": "np.asarray(value)",
        "not_numeric": 'array.dtype.kind not in "biufc"',
        "all_finite": "np.isfinite(array).all()",
        "checked_note": "",
        "checked_X": "X",
        "to_numpy": lambda text: text,
    }
