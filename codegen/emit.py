"""Writing a network as a standalone, vectorised NumPy training module.

Contract: ``render(net, spec)`` returns the module's source text — a pure function of the
network and the spec label, so the same spec gives the same bytes — laid out by the Jinja2
templates in ``codegen/templates`` (which only arrange code: every name and expression comes
from here and from ``codegen.expressions``) and already formatted as ``ruff format`` would.
``write_module(net, path)`` writes it atomically (temp file, then ``os.replace``), by default
to ``generated/NAME.py``. ``regenerate_all()`` rewrites the module of every built-in example
whose network gradient descent can train. The emitted module's API is ``init_params``,
``forward``, ``loss``, ``gradients``, ``train`` and ``predict``; ``python NAME.py`` trains on
the spec's data, embedded in the file.
"""

from __future__ import annotations

import base64
import math
import re
import textwrap
import zlib
from pathlib import Path

import jinja2
import numpy as np

from codegen.expressions import network_code
from codegen.files import write_atomic
from codegen.literal import comment_text, docstring_text, install, py_number
from derive import spec as specs
from derive.activations import get_activation
from derive.delta import delta_form
from derive.errors import ChainruleError, SpecError
from derive.losses import get_loss
from derive.network import Network
from derive.render.matrix import equation_text
from derive.symbolic import Model

REPO = Path(__file__).resolve().parent.parent
GENERATED = REPO / "generated"
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

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
)
install(ENV)


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
        std, note = f"math.sqrt(2 / {fan_in})", "He N(0, 2/fan_in)"
    elif how == "xavier":
        std = f"math.sqrt(2 / ({fan_in} + {layer.units}))"
        note = "Xavier N(0, 2/(fan_in + fan_out))"
    else:
        std, note = "0.1", "small N(0, 0.1²)"
    return f"rng.normal(0.0, {std}, {size}).astype(DTYPE)", note


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _array_call(values: np.ndarray, indent: int, lead: int) -> str:
    """``np.array(…, dtype=DTYPE)`` laid out as ruff does: one line if it fits, else a row a line.

    ``indent`` is the statement's indentation, ``lead`` the characters before the call on its
    line beyond that indentation, and one more for a trailing comma or bracket.
    """
    rows = [_row(v) for v in values] if values.ndim == 2 else [_row(values)]
    flat = "[" + ", ".join(rows) + "]" if values.ndim == 2 else rows[0]
    one_line = f"np.array({flat}, dtype=DTYPE)"
    if indent + lead + len(one_line) + 1 <= 100:
        return one_line
    pad, inner = " " * (indent + 4), " " * (indent + 8)
    body = "".join(f"{inner}{row},\n" for row in rows)
    return f"np.array(\n{pad}[\n{body}{pad}],\n{pad}dtype=DTYPE,\n{' ' * indent})"


def _row(values: np.ndarray) -> str:
    return "[" + ", ".join(_number(v) for v in values) + "]"


def _data_context(net: Network) -> dict[str, object]:
    x, y = net.data["x"], net.data["y"]
    table = np.hstack([x, y])
    context = {"rows": len(x), "columns": table.shape[1], "inputs": x.shape[1]}
    if table.size <= INLINE_LIMIT:
        return {**context, "inline": True, "x": _array_call(x, 4, 4), "y": _array_call(y, 4, 4)}
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


def _wrap(line: str, width: int = 92) -> list[str]:
    """``line`` in lines of at most ``width``, written with ASCII minus signs (ruff RUF00x)."""
    line = line.replace("−", "-")
    return textwrap.wrap(line, width, subsequent_indent="    ", break_on_hyphens=False)


def split_call(statement: str, indent: int) -> list[str]:
    """A call statement in lines as ruff lays it out when it is too long for one line.

    Tries all arguments on one indented line, then one argument a line with a trailing
    comma. Returns the lines without the first line's indentation.
    """
    if indent + len(statement) <= 100:
        return [statement]
    head, _, rest = statement.partition("(")
    args, depth, start = [], 0, 0
    body = rest[:-1]
    for i, char in enumerate(body):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            args.append(body[start:i].strip())
            start = i + 1
    args.append(body[start:].strip())
    if indent + 4 + len(", ".join(args)) <= 100:
        return [f"{head}(", f"    {', '.join(args)}", ")"]
    return [f"{head}(", *(f"    {a}," for a in args), ")"]


def _used(names: list[str], code: str, always: list[str] = ()) -> list[str]:
    """The names among ``names`` that ``code`` mentions, or that are in ``always``."""
    return [n for n in names if n in always or re.search(rf"\b{n}\b", code)]


def context(net: Network, spec: str) -> dict[str, object]:
    """Everything the module template lays out, for ``net`` made from ``spec``."""
    net.trainable()
    training = training_settings(net)
    code = network_code(net)
    last = len(net.layers)
    layers, forward_doc, backward_doc, init, notes = [], [], [], [], []
    for l, (layer, layer_code) in enumerate(zip(net.layers, code.layers, strict=True), start=1):
        prev = "X" if l == 1 else f"a{l - 1}"
        distance = layer.input_function == "squared_distance"
        bias = f" + b{l}" if layer.bias else ""
        z_doc = f"Σ_i ({prev}_i - W{l}_ij)²{bias}" if distance else f"{prev} W{l}{bias}"
        forward_doc += [f"z{l} = {z_doc}", f"a{l} = {layer.activation}(z{l}) = "
                        f"{layer_code.output_text}"]
        layers.append({"l": l, "prev": prev, "bias": layer.bias, "distance": distance,
                       "code": layer_code})
        expr, note = _init_expr(net, l, training["init"])
        init.append({"key": f"W{l}", "expr": expr})
        notes.append(f"W{l} {note}")
        if layer.bias:
            init.append({"key": f"b{l}", "expr": f"np.zeros({layer.units}, DTYPE)"})
    if code.lse:
        forward_doc.append(f"{code.lse} = ln Σ_k exp(z{last}_k) of each row, shifted by its max")
    if code.q:
        backward_doc += _wrap(f"q{last} = a{last} ⊙ ∂E/∂a{last} = {code.q}")
    backward_doc += _wrap(f"delta{last} = {code.delta_text}   ({code.delta_rule})")
    for l in range(last, 0, -1):
        prev = "X" if l == 1 else f"a{l - 1}"
        backward_doc.append(f"∂E/∂W{l} = {prev}ᵀ delta{l}" + (
            f",   ∂E/∂b{l} = Σ_rows delta{l}" if net.layers[l - 1].bias else ""))
        if l > 1:
            deriv = code.layers[l - 2].derivative
            factor = f" ⊙ ({deriv})" if deriv else ""
            backward_doc.append(f"delta{l - 1} = (delta{l} W{l}ᵀ){factor}")
    mean = net.loss.reduce_examples == "mean"
    zs, outs = [f"z{l}" for l in range(1, last + 1)], [f"a{l}" for l in range(1, last + 1)]
    deltas = [f"delta{l}" for l in range(1, last + 1)]
    lses = [code.lse] if code.lse else []
    backward_code = " ".join([*code.delta, code.q or "",
                              *(c.derivative or "" for c in code.layers)])
    unpack = {
        "forward": zs + outs + lses,
        "backward": _used(zs + outs + lses, backward_code, always=outs[:-1]) + deltas,
        "loss": _used(zs + outs + lses, code.loss) + ([deltas[-1]] if code.loss_into else []),
    }
    has_main = net.data is not None
    if code.residual:
        loss_comment = (f"The terms are r², r = {code.residual}, built in delta{last} (free "
                        "until _backward): Σ r² = r · r")
    else:
        loss_comment = f"The terms, {code.loss}, built in delta{last} (free until _backward)"
    imports = (["import base64", "import math", "import zlib"]
               if has_main and net.data["x"].size + net.data["y"].size > INLINE_LIMIT
               else ["import math"])
    imports += ["from collections.abc import Callable", "", "import numpy as np"]
    spec_params = None
    if net.params is not None:
        spec_params = [(k, _array_call(v, 8, len(k) + 4)) for k, v in net.params.items()]
    title = f"{net.name}: a {'-'.join(map(str, net.sizes))} network trained with NumPy."
    model = Model(net)
    return {
        "title": docstring_text(title),
        "spec": docstring_text(spec),
        "command": docstring_text(f"chainrule codegen {spec}"),
        "description": "\n".join(docstring_text(line) for line in
                                 textwrap.wrap(net.description, 96, break_on_hyphens=False))
        or f"The {net.name} network.",
        "standardize_note": True,
        "forward_doc": [docstring_text(w) for line in forward_doc for w in _wrap(line)] + _wrap(
            f"E = {'(1/n) ' if mean else ''}Σ_rows Σ_cols {code.loss}"),
        "backward_doc": [docstring_text(line) for line in backward_doc],
        "notation": docstring_text(model.notation.key),
        "notation_doc": [docstring_text(w) for eq in delta_form(net)
                         for w in _wrap(equation_text(eq, model))],
        "filename": docstring_text(f"{net.name}.py"),
        "imports": imports,
        "dtype": training["dtype"],
        "shapes": list(net.param_shapes().items()),
        "size": net.n_params,
        "training": {k: py_number(v) for k, v in training.items() if k not in ("dtype", "init")},
        "init": init,
        "init_note": notes,
        "spec_params": spec_params,
        "unpack": unpack,
        "layer_units": repr(tuple(layer.units for layer in net.layers)),
        "layers": layers,
        "uses_n": mean,
        "q": code.q,
        "uses_logsumexp": "_logsumexp(" in " ".join(
            [*code.delta, code.q or "", code.loss, *(x for c in code.layers for x in c.output)]),
        "delta": [w for line in code.delta for w in split_call(line, 4)],
        "lse": code.lse,
        "delta_comment": [*_wrap(f"delta{last} = scale ∂E/∂z{last}, ∂E/∂z{last} = "
                                 f"{code.delta_text}", 90),
                          *_wrap(f"({code.delta_rule})", 90)],
        "loss": code.loss,
        "loss_into": code.loss_into,
        "residual": code.residual,
        "loss_comment": [comment_text(line) for line in _wrap(loss_comment, 90)],
        "mean": mean,
        "outputs": net.layers[-1].units,
        "predict": _predict_mode(net),
        "predict_doc": PREDICT_DOCS[_predict_mode(net)],
        "has_main": has_main,
        "holdout": has_main and len(net.data["x"]) >= 100,
        "data": _data_context(net) if has_main else {"inline": True},
    }


STYLES = (("fast", "numpy"),)


def render(net: Network, spec: str | None = None, style: str = "fast",
           target: str = "numpy") -> str:
    """The source of ``net``'s training module; ``spec`` names where it came from."""
    if (style, target) not in STYLES:
        raise SpecError(f"no {style} style for the {target} target")
    return ENV.get_template("module.py.j2").render(context(net, spec or net.name))


def default_path(net: Network) -> Path:
    """Where a network's module goes unless told otherwise: generated/NAME.py."""
    return GENERATED / f"{net.name}.py"


def write_module(net: Network, path: str | Path | None = None, spec: str | None = None) -> Path:
    """Render ``net`` and write it to ``path`` atomically; return the path written."""
    path = Path(path) if path is not None else default_path(net)
    return write_atomic(path, render(net, spec))


def buildable_examples() -> list[str]:
    """The built-in examples that gradient descent can train (no threshold units)."""
    names = []
    for name in specs.examples():
        try:
            specs.load(name).trainable()
        except ChainruleError:
            continue
        names.append(name)
    return names


def regenerate_all(directory: str | Path | None = None) -> list[Path]:
    """Write the module of every trainable built-in example; return the paths written."""
    directory = Path(directory) if directory is not None else GENERATED
    return [write_module(specs.load(n), directory / f"{n}.py", n) for n in buildable_examples()]
