"""The fast style: a tuned NumPy training module (in-place buffers, cached plans, one flat
parameter buffer).

Contract: ``context(net, spec)`` is everything ``templates/module.py.j2`` lays out for
``net``. The equation comments of ``_forward`` and ``_backward`` are the lowering's
(``codegen.lower``), as ``chainrule derive --delta`` prints them; the element-wise code comes
from ``codegen.fast_elementwise``, the registries' forms printed for writing in place.
"""

from __future__ import annotations

import re
import textwrap

from codegen.fast_elementwise import network_code
from codegen.literal import comment_lines, comment_text, docstring_text
from codegen.lower import lower
from codegen.parts import INLINE_LIMIT, common_context, training_settings
from derive.delta import delta_form
from derive.network import Network
from derive.render.matrix import equation_text
from derive.symbolic import Model


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
    base = common_context(net, spec, "")
    training = training_settings(net)
    code = network_code(net)
    lowered = lower(net)
    # The equations as comments, continued on further comment lines where long.
    said = {st.key if st.role != "gradient" else "d" + st.key:
            "\n    # ".join(comment_lines(st.text)) for st in lowered.backward}
    last = len(net.layers)
    layers, forward_doc, backward_doc = [], [], []
    for l, (layer, layer_code) in enumerate(zip(net.layers, code.layers, strict=True), start=1):
        prev = "X" if l == 1 else f"a{l - 1}"
        distance = layer.input_function == "squared_distance"
        bias = f" + b{l}" if layer.bias else ""
        z_doc = f"Σ_i ({prev}_i - W{l}_ij)²{bias}" if distance else f"{prev} W{l}{bias}"
        forward_doc += [f"z{l} = {z_doc}", f"a{l} = {layer.activation}(z{l}) = "
                        f"{layer_code.output_text}"]
        layers.append({"l": l, "prev": prev, "bias": layer.bias, "distance": distance,
                       "code": layer_code, "said_W": said[f"dW{l}"], "said_b": said.get(f"db{l}"),
                       "said_delta": said.get(f"D{l - 1}")})
    if code.lse:
        forward_doc.append(f"{code.lse} = ln Σ_k exp(z{last}_k) of each row, shifted by its max")
    if code.q:
        backward_doc += _wrap(f"q{last} = a{last} ⊙ ∂E/∂a{last} = {code.q}")
    backward_doc += [w for st in lowered.backward for w in _wrap(st.canonical)]
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
    model = Model(net)
    return {
        **base,
        "forward_doc": [docstring_text(w) for line in forward_doc for w in _wrap(line)] + _wrap(
            f"E = {'(1/n) ' if mean else ''}Σ_rows Σ_cols {code.loss}"),
        "backward_doc": [docstring_text(line) for line in backward_doc],
        "notation_doc": [docstring_text(w) for eq in delta_form(net)
                         for w in _wrap(equation_text(eq, model))],
        "imports": imports,
        "dtype": training["dtype"],
        "size": net.n_params,
        "init_note": textwrap.wrap(base["init_note"], 92),
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
        "scale_note": "scale" in " ".join(code.delta),
        "loss": code.loss,
        "loss_into": code.loss_into,
        "residual": code.residual,
        "loss_comment": [comment_text(line) for line in _wrap(loss_comment, 90)],
        "output_said": said[f"D{last}"],
    }
