"""The torch target: the lesson module's statements as PyTorch tensor code.

Contract: ``context(net, spec)`` is everything ``templates/torch.py.j2`` lays out: the
lowering's statements printed for tensors (``codegen.print_arrays`` with ``lib="torch"``),
a ``torch.autograd.Function`` (``DerivedLoss``) whose ``backward`` runs the derived delta
statements — no autograd inside it — an ``nn.Module`` (``Net``) built on it, and the pinned
API (``init_params``, ``forward``, ``loss``, ``gradients``, ``train``, ``predict``) with a
``device`` argument; ``autograd_gradients`` differentiates the same forward statements with
``torch.autograd``, for comparison.
"""

from __future__ import annotations

from codegen import lesson
from derive.network import Network


def context(net: Network, spec: str) -> dict:
    """Everything the torch template lays out, for ``net`` made from ``spec``."""
    c = lesson.context(net, spec, lib="torch")
    imports = ["import math", "", "import numpy as np", "import torch"]
    if c["compressed"]:
        imports = ["import base64", "import math", "import zlib", *imports[1:]]
    return {
        **c,
        "imports": imports,
        "init": [{**p, "expr": p["expr"].replace("DTYPE", "np.float64")} for p in c["init"]],
        "array_type": "torch.Tensor",
        "as_array": "torch.as_tensor(value)",
        "not_numeric": "array.dtype == torch.bool",
        "all_finite": "bool(torch.isfinite(array).all())",
        "to_numpy": lambda text: f"{text}.cpu().numpy()",
        "checked_note": "",
        "checked_X": "X",
    }
