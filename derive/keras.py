"""Keras 3 models read as spec tables: a ``.keras`` archive or a ``model.to_json()`` text.

Contract: ``read(path)`` returns a spec table (the keys ``derive.spec.from_table`` takes) for a
Keras 3 ``.keras`` archive (``config.json`` and ``model.weights.h5``, the weights read with
h5py, the optional extra ``chainrule[keras]``) or a JSON file holding ``model.to_json()``
(architecture and, where compiled, loss and optimizer; no weights). Neither TensorFlow nor
Keras is needed. ``is_keras_json(table)`` tells a Keras model's JSON from a spec's.

Supported: a ``Sequential`` model, or a functional model that is one chain, of ``InputLayer``
and ``Dense`` with activation linear, sigmoid, tanh, relu, softplus or softmax and ``use_bias``
on or off; the compiled loss ``mse``/``mean_squared_error`` (squared error, both reductions
mean), ``binary_crossentropy`` (outputs and examples averaged) or ``categorical_crossentropy``
(examples averaged); an ``SGD`` optimizer, whose learning rate, momentum and global clip norm
become the training settings. Keras' kernel of shape (inputs, units) and bias already are the
canonical ``W{l}``/``b{l}``. Anything else raises ``SpecError`` in one line naming the layer or
setting and what is supported. Keras guards its cross-entropy logarithms with ε = 1e-7
(its PyTorch and JAX backends clip a to [ε, 1 − ε]; TensorFlow adds ε inside the logarithm,
about ε/a relative); the spec's loss is the exact one.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from derive.errors import SpecError

MAX_ARCHIVE = 256 * 2**20  # bytes of a .keras file
MAX_CONFIG = 4 * 2**20  # bytes of its config.json or of a model.to_json() text
MAX_PARAMS = 10_000_000

ACTIVATIONS = {"linear": "identity", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu",
               "softplus": "softplus", "softmax": "softmax"}
SUPPORTED = ("supported: Sequential (or a one-chain functional model) of InputLayer and Dense "
             f"with activation {', '.join(ACTIVATIONS)}; losses mse, binary_crossentropy, "
             "categorical_crossentropy; optimizer SGD")
LOSSES = {
    "mse": {"kind": "squared_error", "reduce_outputs": "mean", "reduce_examples": "mean"},
    "binary_crossentropy": {"kind": "binary_cross_entropy", "reduce_outputs": "mean",
                            "reduce_examples": "mean"},
    "categorical_crossentropy": {"kind": "categorical_cross_entropy",
                                 "reduce_examples": "mean"},
}
# Keras' names and class names of those losses, lower case without underscores.
LOSS_ALIASES = {"mse": "mse", "meansquarederror": "mse",
                "binarycrossentropy": "binary_crossentropy",
                "categoricalcrossentropy": "categorical_crossentropy"}
# Dense settings that must be off (None/False/0) for the layer to be the spec's Dense.
DENSE_OFF = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
             "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config")
SGD_OFF = ("weight_decay", "clipnorm", "clipvalue", "use_ema", "nesterov", "loss_scale_factor",
           "gradient_accumulation_steps")


def unsupported(what: str) -> SpecError:
    """The one-line error for a Keras layer or setting chainrule does not read."""
    return SpecError(f"Keras {what} is not supported; {SUPPORTED}")


def is_keras_json(table: object) -> bool:
    """Whether a decoded JSON document is a Keras model's (``class_name`` and ``config``)."""
    return isinstance(table, dict) and "class_name" in table and "config" in table


def read(path: Path) -> dict:
    """The spec table of a ``.keras`` archive or a ``model.to_json()`` file; see the module."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix == ".keras":
        if size > MAX_ARCHIVE:
            raise SpecError(f"{path} is over {MAX_ARCHIVE >> 20} MB; chainrule reads small models")
        config, weights = _archive(path)
    else:
        if size > MAX_CONFIG:
            raise SpecError(f"{path} is over {MAX_CONFIG >> 20} MB")
        config, weights = _json(path.read_bytes(), str(path)), None
    return from_config(config, weights, default_name=path.stem.split(".")[0])


def _json(raw: bytes, where: str) -> dict:
    try:
        table = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"{where} is not valid JSON: {exc}") from None
    if not is_keras_json(table):
        raise SpecError(f"{where} is not a Keras model's JSON (no class_name and config)")
    return table


def _archive(path: Path) -> tuple[dict, bytes | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if "config.json" not in members:
                raise SpecError(f"{path} holds no config.json; is it a Keras 3 .keras file?")
            if members["config.json"].file_size > MAX_CONFIG:
                raise SpecError(f"{path}: config.json is over {MAX_CONFIG >> 20} MB")
            config = _json(archive.read("config.json"), f"{path}:config.json")
            weights = None
            if "model.weights.h5" in members:
                if members["model.weights.h5"].file_size > MAX_ARCHIVE:
                    raise SpecError(f"{path}: model.weights.h5 is over {MAX_ARCHIVE >> 20} MB")
                weights = archive.read("model.weights.h5")
    except (zipfile.BadZipFile, OSError, EOFError):
        raise SpecError(f"{path} is not a Keras 3 .keras archive (a zip file); a Keras 2 .h5 "
                        "file is not read: save with model.save('name.keras')") from None
    return config, weights


def _class(entry: dict) -> str:
    return str(entry.get("class_name", "?"))


def _layers(model: dict) -> list[dict]:
    """The Dense layer configs in order, after checking the model is one chain."""
    kind = _class(model)
    config = model.get("config")
    if kind not in {"Sequential", "Functional", "Model"} or not isinstance(config, dict):
        raise unsupported(f"model class {kind}")
    layers = config.get("layers")
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise SpecError("the Keras config has no list of layers")
    if kind != "Sequential":
        _check_chain(layers, config)
    dense = []
    for layer in layers:
        name = _class(layer)
        if name == "InputLayer":
            continue
        if name != "Dense":
            raise unsupported(f"layer {name} ({layer.get('config', {}).get('name', '?')})")
        dense.append(layer["config"])
    if not dense:
        raise SpecError("the Keras model has no Dense layer")
    return dense


def _check_chain(layers: list[dict], config: dict) -> None:
    """Refuse a functional model that is not a single chain input → Dense → … → output."""
    previous = None
    for layer in layers:
        inbound = json.dumps(layer.get("inbound_nodes", []))
        sources = re.findall(r'"keras_history": \["([^"]+)"', inbound)
        if previous is None and _class(layer) != "InputLayer":
            raise unsupported("functional model without one InputLayer first")
        if previous is not None and sources != [previous]:
            raise unsupported(f"functional graph with branches (at layer "
                              f"{layer.get('config', {}).get('name', '?')})")
        previous = layer.get("config", {}).get("name")
    for key in ("input_layers", "output_layers"):
        ends = config.get(key) or []
        if ends and isinstance(ends[0], list) and len(ends) > 1:
            raise unsupported("functional model with several inputs or outputs")


def _dense(config: dict, index: int) -> dict:
    name = config.get("name", f"dense {index}")
    for key in DENSE_OFF:
        if config.get(key):
            raise unsupported(f"Dense setting {key} (layer {name})")
    activation = config.get("activation")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise unsupported(f"activation {activation!r} (layer {name})")
    units = config.get("units")
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise SpecError(f"Keras layer {name} has no positive whole number of units")
    return {"units": units, "activation": ACTIVATIONS[activation],
            "bias": bool(config.get("use_bias", True))}


def _inputs(model: dict) -> int:
    """The input width, from the InputLayer's batch shape or the model's build config."""
    shapes = [layer.get("config", {}).get("batch_shape") or
              layer.get("config", {}).get("batch_input_shape")
              for layer in model["config"]["layers"] if _class(layer) == "InputLayer"]
    shapes.append((model.get("build_config") or {}).get("input_shape"))
    for shape in shapes:
        if isinstance(shape, list) and len(shape) == 2 and isinstance(shape[1], int):
            return shape[1]
        if isinstance(shape, list) and len(shape) > 2:
            raise unsupported(f"input shape {shape} (Dense on more than one axis)")
    raise SpecError("the Keras model records no input width; build it with keras.Input(shape=(n,))")


def _loss(compile_config: dict) -> dict | None:
    loss = compile_config.get("loss")
    if loss is None:
        return None
    settings: dict = {}
    if isinstance(loss, dict):
        settings = loss.get("config") or {}
        loss = _class(loss)
    if not isinstance(loss, str):
        raise unsupported(f"loss {loss!r} (one loss per model)")
    key = LOSS_ALIASES.get(loss.lower().replace("_", ""))
    if key is None:
        raise unsupported(f"loss {loss}")
    if settings.get("from_logits"):
        raise unsupported(f"loss setting from_logits=True ({loss})")
    if settings.get("label_smoothing"):
        raise unsupported(f"loss setting label_smoothing ({loss})")
    if settings.get("reduction", "sum_over_batch_size") != "sum_over_batch_size":
        raise unsupported(f"loss reduction {settings['reduction']!r} ({loss})")
    if compile_config.get("loss_weights") is not None:
        raise unsupported("compile setting loss_weights")
    return dict(LOSSES[key])


def _training(compile_config: dict) -> dict:
    optimizer = compile_config.get("optimizer")
    if optimizer is None:
        return {}
    name = optimizer if isinstance(optimizer, str) else _class(optimizer)
    if name.lower() != "sgd":
        raise unsupported(f"optimizer {name}")
    config = {} if isinstance(optimizer, str) else (optimizer.get("config") or {})
    for key in SGD_OFF:
        if config.get(key):
            raise unsupported(f"SGD setting {key}")
    rate = config.get("learning_rate", 0.01)
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise unsupported("learning-rate schedule (a constant learning_rate is read)")
    training = {"learning_rate": float(rate), "momentum": float(config.get("momentum", 0.0))}
    if config.get("global_clipnorm"):
        training["clip_norm"] = float(config["global_clipnorm"])
    return training


def _read(variables, key: str, shape: tuple[int, ...], what: str) -> list:
    """One variable of the shape the config gives, checked before any data is read."""
    if key not in variables or variables[key].shape != shape:
        found = variables[key].shape if key in variables else "nothing"
        raise SpecError(f"the archive's weights hold {found} for {what}; the model's config "
                        f"says shape {shape}")
    return variables[key][()].astype(float).tolist()


def _weights(raw: bytes, layers: list[dict], sizes: list[int]) -> dict:
    """Canonical ``W{l}``/``b{l}`` lists from the archive's ``model.weights.h5``."""
    try:
        import h5py
    except ImportError:
        raise SpecError("reading a .keras archive's weights needs h5py: pip install "
                        "'chainrule[keras]'") from None
    params = {}
    try:
        with h5py.File(io.BytesIO(raw), "r") as h5:
            group = h5.get("layers")
            for l, layer in enumerate(layers, start=1):
                # Keras 3 names each layer's group after its class, numbered from the second.
                names = ["dense" if l == 1 else f"dense_{l - 1}", str(layer.get("name"))]
                found = next((group[n] for n in names if group is not None and n in group), None)
                if found is None or "vars" not in found:
                    raise SpecError(f"the archive's weights have no group for layer {names[1]}")
                variables = found["vars"]
                params[f"W{l}"] = _read(variables, "0", (sizes[l - 1], sizes[l]),
                                        f"the kernel of {names[1]}")
                if layer.get("use_bias", True):
                    params[f"b{l}"] = _read(variables, "1", (sizes[l],), f"the bias of {names[1]}")
    except (OSError, KeyError, ValueError) as exc:
        raise SpecError(f"cannot read the archive's model.weights.h5: {exc}") from None
    return params


def from_config(model: dict, weights: bytes | None = None, default_name: str = "keras") -> dict:
    """The spec table of a Keras model config (and its ``.weights.h5`` bytes, if any)."""
    try:
        return _from_config(model, weights, default_name)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # Untrusted JSON: a value of the wrong type anywhere is one line, not a traceback.
        raise SpecError(f"the Keras model config is malformed ({type(exc).__name__}: "
                        f"{str(exc)[:80]}); save it again with Keras 3") from None


def _from_config(model: dict, weights: bytes | None, default_name: str) -> dict:
    layer_configs = _layers(model)
    layers = [_dense(c, i) for i, c in enumerate(layer_configs, start=1)]
    sizes = [_inputs(model)] + [layer["units"] for layer in layers]
    n_params = sum((a + layer["bias"]) * b for a, b, layer in zip(sizes, sizes[1:], layers,
                                                                    strict=False))
    if n_params > MAX_PARAMS:
        raise SpecError(f"the Keras model has {n_params} parameters; chainrule reads at most "
                        f"{MAX_PARAMS}")
    name = str(model["config"].get("name") or default_name)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", name):
        name = re.sub(r"\W", "_", default_name)[:32] if default_name[:1].isalpha() else "keras"
    compile_config = model.get("compile_config") or {}
    table: dict = {"name": name, "description": f"Keras {_class(model)} model {name}",
                   "inputs": sizes[0], "layers": layers}
    loss = _loss(compile_config)
    if loss is not None:
        table["loss"] = loss
    training = _training(compile_config)
    if training:
        table["training"] = training
    if weights is not None:
        table["params"] = _weights(weights, layer_configs, sizes)
    return table
