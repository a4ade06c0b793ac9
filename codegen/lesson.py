"""The lesson style: the plain NumPy module a lab hands to students.

Contract: ``context(net, spec)`` is everything ``templates/lesson.py.j2`` lays out: the
statements of ``codegen.lower.lower(net)`` as ``statements(net)`` gives them, each printed by
``codegen.print_arrays`` as one vectorised NumPy line under its equation (as ``chainrule
derive --delta`` prints it; a softmax output first binds its row log-sum-exp, which the loss
reuses), and one small helper per activation called, in its registry code form with the
registry's one-line reason for that form. No buffers, no cached plans: a student can follow
and edit every line.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from codegen.layout import statement
from codegen.literal import comment_lines, docstring_text
from codegen.lower import Lowered, Named, lower
from codegen.parts import common_context
from codegen.print_arrays import ArrayPrinter
from codegen.sympy_code import RowLogSumExp
from derive import delta as d
from derive.activations import get_activation
from derive.network import Network

LINE = 100  # ruff's line length in this project


def _walk(node):
    yield node
    for value in getattr(node, "__dict__", {}).values():
        if not isinstance(value, str | int | float | bool):
            yield from _walk(value)


def helpers(net: Network, lowered: Lowered, printer: ArrayPrinter, codes: list[str]) -> list:
    """The module's helper functions: each activation used, then the squared distance and
    the row log-sum-exp where the code calls them."""
    found = []
    for st in lowered.statements:
        for node in _walk(st.rhs):
            if isinstance(node, d.Fn) and node.activation != "identity" \
                    and node.activation not in found:
                found.append(node.activation)
    out = []
    for name in found:
        act = get_activation(name)
        how = "element-wise" if act.elementwise else "row by row"
        out.append({"name": name, "args": "z", "doc": docstring_text(f"The {act.title}, {how}."),
                    "why": comment_lines(act.code_why.capitalize()), "pre": [],
                    "body": printer.helper(name)})
    text = " ".join(codes + [h["body"] for h in out])
    out = [h for h in out if f"{h['name']}(" in text]  # a softmax may be written out inline
    if "squared_distance(" in text:
        out.append({"name": "squared_distance", "args": "X, W",
                    "doc": "Σ_i (X_ni - W_ij)² for every row n of X and column j of W.",
                    "why": [], "pre": [],
                    "body": "((X[:, :, None] - W[None, :, :]) ** 2).sum(axis=1)"})
    if "_logsumexp(" in text:
        out.append({"name": "_logsumexp", "args": "x",
                    "doc": "ln Σ_k exp(x_k) of each row.",
                    "why": comment_lines("Shifted by the row's maximum, so that no exp overflows"),
                    "pre": ["top = x.max(axis=1, keepdims=True)"],
                    "body": "top + np.log(np.exp(x - top).sum(axis=1, keepdims=True))"})
    return out


def _swap(node, old, new):
    """``node`` with every ``old`` subtree replaced by ``new``."""
    if node == old:
        return new
    if not dataclasses.is_dataclass(node):
        return node
    return dataclasses.replace(node, **{f.name: _swap(getattr(node, f.name), old, new)
                                        for f in dataclasses.fields(node)})


def _laid(target: str, code: str) -> str:
    """``code`` as the right-hand side of ``target = code`` in a function body, laid out as
    ruff format would (``codegen.layout.statement``): its lines after the first indented."""
    return statement(f"{target} = ", code, 4).removeprefix(f"{target} = ")


def _statements(statements, printer: ArrayPrinter) -> list[dict]:
    """Each statement printed under its equation; one too long for a line first binds the
    loss derivative ∂E/∂a it uses to g{L}, on a line of its own."""
    out = []
    for st in statements:
        code = printer.code(st.rhs)
        if len(f"    {st.target} = {code}") > LINE:
            jvp = next((n for n in _walk(st.rhs) if isinstance(n, d.SoftmaxJvp)), None)
            if jvp is not None:
                q = f"q{st.target.removeprefix('delta')}"
                out.append({"key": st.key, "target": q, "code": printer.elementwise(
                    printer.softmax_q(jvp.a, jvp.g)), "text": comment_lines(
                    f"{q} = a ⊙ ∂E/∂a (a the softmax's output), its division by a cancelled")})
                code = printer.code(_swap(st.rhs, jvp.g, Named(q, True)))
        out.append({"key": st.key, "target": st.target, "code": code,
                    "text": comment_lines(st.text)})
    return out


def statements(net: Network, lib: str = "np") -> tuple[list[dict], list[dict], ArrayPrinter]:
    """The forward and the backward statements as the lesson module lays them out (each with
    the ``key`` of the delta-form equation it serves), and the printer that printed them. In
    NumPy a softmax output's log-sum-exp is bound to lse{L} first, which the loss reuses."""
    lowered = lower(net)
    printer = ArrayPrinter(net, lib)
    L = len(net.layers)
    softmax = lib == "np" and net.layers[-1].activation == "softmax"
    if softmax:
        printer.shared = {RowLogSumExp(sp.Symbol(f"z{L}")): sp.Symbol(f"lse{L}")}
    forward, backward = (_statements(s, printer) for s in (lowered.forward, lowered.backward))
    if softmax and forward[-1]["target"] == f"a{L}":
        forward[-1]["code"] = printer.helper("softmax", f"z{L}")
        forward.insert(-1, {"key": forward[-1]["key"], "target": f"lse{L}",
                            "code": f"_logsumexp(z{L})", "text": [
                                "ln Σ_k exp(z_k) of each row: the softmax's, which the loss "
                                "uses too"]})
    return forward, backward, printer


def context(net: Network, spec: str, lib: str = "np") -> dict:
    """Everything the lesson template lays out, for ``net`` made from ``spec`` (``lib``
    ``"torch"``: the same statements as tensor code, for ``codegen.torch_target``)."""
    c = common_context(net, spec, "np.float64", lib)
    forward, backward, printer = statements(net, lib)
    L = len(net.layers)
    loss_terms = printer.loss_terms()
    long_loss = len(f"    E = ({loss_terms}).sum()" if lib == "np" else
                    f"    return torch.sum({loss_terms}) / len(Y)") > LINE
    keys = [key for key, _ in c["shapes"]]
    unpack = ", ".join(keys) if len(keys) > 1 else f"({keys[0]},)"
    cache = ", ".join(f"{k}{l}" for l in range(1, L + 1) for k in ("z", "a"))
    imports = ["import numpy as np"]
    if c["compressed"]:
        imports = ["import base64", "import zlib", "", *imports]
    codes = [s["code"] for s in forward + backward] + [loss_terms]
    return {
        **c,
        "imports": imports,
        "helpers": helpers(net, lower(net), printer, codes),
        "init_short": "scaled normal weights (Xavier, He or RBF)",
        # a statement too long for its line is broken as ruff format would break it
        "forward": [{**s, "code": _laid(s["target"], s["code"])} for s in forward],
        "backward": [{**s, "code": _laid(s["target"], s["code"])} for s in backward],
        # a long loss is bound to terms first, laid out as ruff format would
        "loss_terms": _laid("terms", loss_terms) if long_loss else loss_terms,
        "long_loss": long_loss,
        "unpack": unpack,
        "cache": cache,
        "grads": "{" + ", ".join(f'"{k}": d{k}' for k in keys) + "}",
        "checked_note": ("; X\n    standardised when params holds x_mean and x_scale (see train)"),
        "checked_X": '(X - params["x_mean"]) / params["x_scale"] if "x_mean" in params else X',
    }
