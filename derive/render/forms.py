"""The network function in one piece, nested or fully expanded, as every renderer prints it.

Contract: ``function_pairs(model, form)`` returns ``(outputs, where)``, lists of (lhs, rhs)
pairs, for ``form`` ``"nested"`` (intermediates inlined, activations kept as functions) or
``"expanded"`` (every activation written out). For an output layer with a row-wise activation
(softmax) whose pre-activations hold an earlier layer's units (or whose inlined outputs would
not fit one line, ``INLINE`` units of ``breaking.tex_width``), each output is written as a
fraction over the layer's pre-activations, a_k = e^{z_k}/(e^{z_1} + … + e^{z_K}), and
``where`` gives each pre-activation in ``form`` once, instead of once per exponential (K + 1
times each). Otherwise ``outputs`` holds the outputs in ``form`` and ``where`` is empty. Every
renderer (text, LaTeX, Markdown, handout) prints these pairs, so all say the same.
"""

from __future__ import annotations

import sympy as sp

from derive.activations import get_activation
from derive.render.breaking import tex_width
from derive.render.printers import TexPrinter
from derive.symbolic import Model

INLINE = 60.0  # widest inlined softmax output kept whole, in tex_width units (≈ a line)
FORMS = ("nested", "expanded")
WHERE = r",\quad \text{where}"  # ends the last output's row in LaTeX when ``where`` follows

Pairs = list[tuple[sp.Expr, sp.Expr]]


def _written(model: Model, form: str, expr: sp.Expr) -> sp.Expr:
    if form == "nested":
        return expr.xreplace(model.nested)
    if form == "expanded":
        return model.expand(expr)
    raise ValueError(f"unknown form {form!r}; use one of {', '.join(FORMS)}")


def function_pairs(model: Model, form: str) -> tuple[Pairs, Pairs]:
    """(outputs, where) for ``form``; see the module docstring."""
    whole = [(a, _written(model, form, a)) for a in model.outputs]
    layers = model.net.layers
    if get_activation(layers[-1].activation).elementwise:
        return whole, []
    where = [(z, _written(model, form, z)) for z in model.z[len(layers)]]
    printer = TexPrinter(model)
    if not any(e.atoms(sp.Function) for _, e in where) and \
            max(tex_width(printer.doprint(e)) for _, e in whole) <= INLINE:
        return whole, []
    return [(a, model.definitions[a]) for a in model.outputs], where
