"""The Python API's display of networks and reports, attached from the renderers' side.

Contract: ``attach()`` gives ``Report`` and ``Network`` ``to_text()``, ``to_latex()``,
``to_markdown()``, ``to_json()`` (the ``chainrule derive`` renderers of ``derive.render.document``),
``__str__`` (the text), and Jupyter's ``_repr_latex_`` (one MathJax display) and
``_repr_markdown_``, both with the complete report: the network function, the loss, each
derivation, the delta form and the verification line. A ``Network`` shows the report of all
its parameters up to ``NETWORK_SCALAR_LIMIT`` of them, else the delta form alone (derive chosen
parameters with ``derive_report(net, wrt=[…])``). The model modules never import a renderer;
``derive/__init__.py`` calls ``attach()`` once on import.
"""

from __future__ import annotations

from derive.network import Network
from derive.render import sections as sec
from derive.render.document import (
    render_json,
    render_latex,
    render_markdown,
    render_text,
    verified_line,
)
from derive.report import Report, build

NETWORK_SCALAR_LIMIT = 20  # a network's display derives every parameter up to this many


def report_latex(report: Report) -> str:
    """A report as one MathJax display (``$$\\begin{aligned}…$$``): network function, loss,
    derivations, delta form and the verification line."""
    m = report.model
    layout = sec.Layout(width=110.0, markdown=True)
    rows = []
    if report.derivations:
        rows += sec.equation_rows(m, list(m.definitions.items()), layout)
    rows += sec.equation_rows(m, [(m.loss_symbol, m.output_loss)], layout)
    for d in report.sequence:
        rows += sec.derivation_rows(m, d, layout, report=report)
    rows += sec.delta_rows(report, layout)
    if report.checks:
        rows.append("&\\text{" + verified_line(report).replace("−", "-") + "}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


def network_report(net: Network) -> Report:
    """The report a network shows (see the module docstring), built once per network."""
    report = vars(net).get("_shown_report")
    if report is None:
        report = build(net, delta_only=net.n_params > NETWORK_SCALAR_LIMIT)
        vars(net)["_shown_report"] = report  # not a field: equality and repr ignore it
    return report


def _on_report(render):
    def method(net: Network) -> str:
        return render(network_report(net))

    method.__doc__ = (f"{render.__doc__.strip()} Of the network's report: every parameter up "
                      f"to {NETWORK_SCALAR_LIMIT}, else the delta form alone.")
    return method


RENDERERS = {"to_text": render_text, "to_latex": render_latex, "to_markdown": render_markdown,
             "to_json": render_json, "__str__": render_text, "_repr_latex_": report_latex,
             "_repr_markdown_": render_markdown}


def attach() -> None:
    """Give ``Report`` and ``Network`` their text, LaTeX, Markdown, JSON and Jupyter methods."""
    for name, render in RENDERERS.items():
        setattr(Report, name, render)
        setattr(Network, name, _on_report(render))
