"""Jupyter display of networks and reports, attached from the renderers' side.

Contract: ``attach()`` gives ``Network`` and ``Report`` their ``_repr_latex_`` (the delta form,
or the report's loss, derivations and delta form, as one MathJax display) and
``_repr_markdown_`` (the Markdown handout). The model modules never import a renderer;
``derive/__init__.py`` calls ``attach()`` once on import.
"""

from __future__ import annotations

from derive.network import Network
from derive.render import sections as sec
from derive.render.handout import render
from derive.report import Report, build


def report_latex(report: Report) -> str:
    """A report's derivations as one MathJax display (``$$\\begin{aligned}…``)."""
    layout = sec.Layout(width=110.0, markdown=True)
    rows = sec.equation_rows(report.model, [(report.model.loss_symbol,
                                             report.model.loss_expr)], layout)
    for d in report.sequence:
        rows += sec.derivation_rows(report.model, d, layout, report=report)
    rows += sec.delta_rows(report, layout)
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


def report_markdown(report: Report) -> str:
    """The Markdown handout of a report's network, notation and derived parameters."""
    m = report.model
    wrt = [m.canonical[d.param] for d in report.derivations] or None
    return render(m.net, m.notation.key, wrt, markdown=True)


def network_latex(net: Network) -> str:
    """A network's delta form as one MathJax display."""
    report = build(net, delta_only=True)
    rows = sec.delta_rows(report, sec.Layout(width=110.0, markdown=True))
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


def network_markdown(net: Network) -> str:
    """A network's Markdown handout (scalar derivations only for small networks)."""
    return render(net, markdown=True)


def attach() -> None:
    """Give ``Network`` and ``Report`` their Jupyter display methods."""
    Network._repr_latex_ = network_latex
    Network._repr_markdown_ = network_markdown
    Report._repr_latex_ = report_latex
    Report._repr_markdown_ = report_markdown
