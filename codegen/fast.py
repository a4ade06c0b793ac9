"""The fast style: a tuned NumPy training module (in-place buffers, cached plans, one flat
parameter buffer).

Contract: ``context(net, spec)`` is everything ``templates/module.py.j2`` lays out for
``net``. The lines of ``_forward`` and ``_backward`` are the statements of the lowering
(``codegen.lower``) printed in place by ``codegen.in_place``, each gradient and delta under
its equation as ``chainrule derive --delta`` prints it; the element-wise code comes from
``codegen.fast_elementwise``, the registries' forms printed for writing in place.
"""

from __future__ import annotations

import re
import textwrap

from codegen.fast_elementwise import network_code
from codegen.in_place import InPlacePrinter
from codegen.layout import Call, layout, text, wrap
from codegen.literal import comment_text, docstring_text
from codegen.lower import lower
from codegen.parts import INLINE_LIMIT, common_context, training_settings
from derive.delta import delta_form
from derive.network import Network
from derive.render.matrix import equation_text
from derive.symbolic import Model


def _used(names: list[str], lines: list[str]) -> list[str]:
    """The names among ``names`` that the code among ``lines`` (not the comments) mentions."""
    code = "\n".join(line.partition("#")[0] for line in lines)
    return [n for n in names if re.search(rf"\b{n}\b", code)]


def context(net: Network, spec: str) -> dict[str, object]:
    """Everything the module template lays out, for ``net`` made from ``spec``."""
    base = common_context(net, spec, "")
    training = training_settings(net)
    code = network_code(net)
    lowered = lower(net)
    printer = InPlacePrinter(net, code)
    forward = [line for st in lowered.forward for line in printer.lines(st)]
    backward = [line for st in lowered.backward for line in printer.block(st)]
    last = len(net.layers)
    # The forward equations, each activation followed by the stable form computed.
    forward_doc = [st.canonical if st.key[0] == "Z" else
                   f"{st.canonical} = {code.layers[st.equation.layer - 1].output_text}"
                   for st in lowered.forward]
    backward_doc = []
    if code.lse:
        forward_doc.append(f"{code.lse} = ln Σ_k exp(z{last}_k) of each row, shifted by its max")
    if code.q:
        backward_doc += wrap(f"q{last} = a{last} ⊙ ∂E/∂a{last} = {code.q}")
    backward_doc += [w for st in lowered.backward for w in wrap(st.canonical)]
    mean = net.loss.reduce_examples == "mean"
    arrays = [f"{k}{l}" for k in ("z", "a") for l in range(1, last + 1)]
    arrays += [code.lse] if code.lse else []
    deltas = [f"delta{l}" for l in range(1, last + 1)]
    loss_into = [line for item in code.loss_into or [] for line in layout(item, 4)]
    unpack = {
        "forward": arrays,
        "backward": _used(arrays + deltas, backward),
        "loss": _used(arrays, [code.loss]) + ([deltas[-1]] if loss_into else []),
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
        "forward_doc": [docstring_text(w) for line in forward_doc for w in wrap(line)] + wrap(
            f"E = {'(1/n) ' if mean else ''}Σ_rows Σ_cols {code.loss}"),
        "backward_doc": [docstring_text(line) for line in backward_doc],
        "notation_doc": [docstring_text(w) for eq in delta_form(net)
                         for w in wrap(equation_text(eq, model))],
        "imports": imports,
        "dtype": training["dtype"],
        "size": net.n_params,
        "init_note": textwrap.wrap(base["init_note"], 92),
        "unpack": unpack,
        "layer_units": repr(tuple(layer.units for layer in net.layers)),
        "forward": forward,
        "backward": backward,
        "uses_n": mean,
        "uses_logsumexp": _used(["_logsumexp"], forward + backward + [code.loss]) != [],
        "lse": code.lse,
        # Σ of the terms: (terms).sum(), the terms on lines of their own when too long.
        "loss_sum": text(Call("", [code.loss]), 4, len("return "), len(".sum()")) + ".sum()",
        "loss_into": loss_into,
        "residual": code.residual,
        "loss_comment": [comment_text(line) for line in wrap(loss_comment, 90)],
    }
