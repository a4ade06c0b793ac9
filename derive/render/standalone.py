"""``derive --format latex --standalone``: a report as a complete LaTeX document.

Contract: ``render_standalone(report)`` returns a document (article, amsmath) that compiles
with pdflatex as it is: the network function, the loss, every derivation numbered in the
report's order with its rule tags and citations, and the delta form, each long line broken
as the handout breaks it (``derive.render.sections``), so no box runs past the margin. The
text is a pure function of the report.
"""

from __future__ import annotations

from derive.render import sections as sec
from derive.render.document import NESTED_LIMIT, nested_size, verified_line
from derive.render.escape import tex_text
from derive.report import Report

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\allowdisplaybreaks
\pdfinfoomitdate=1
\pdftrailerid{}
\setlength{\parindent}{0pt}
\begin{document}"""


def _block(title: str, rows: list[str]) -> list[str]:
    return [rf"\subsection*{{{title}}}", r"\begin{align*}", " \\\\\n".join(rows),
            r"\end{align*}"]


def render_standalone(report: Report) -> str:
    """The complete document (see the module docstring)."""
    m = report.model
    layout = sec.Layout(width=77.0)
    net = m.net
    out = [f"% chainrule derive {net.name} --format latex --standalone", PREAMBLE,
           rf"\section*{{\texttt{{{tex_text(net.name)}}}}}"]
    if report.derivations:
        out += _block("Network function", sec.equation_rows(m, list(m.definitions.items()),
                                                            layout))
        if nested_size(m) <= NESTED_LIMIT:
            out += _block("Nested", sec.function_rows(m, "nested", layout))
        else:
            out += [r"\subsection*{Nested}",
                    f"Not printed: over {NESTED_LIMIT} symbols per output."]
    out += _block("Loss", sec.equation_rows(m, [(m.loss_symbol, m.loss_expr)], layout))
    for number, d in enumerate(report.sequence, start=1):
        kind = "Gradient" if d.param is not None else "Error term"
        out += _block(f"({number})\\enspace {kind} ${sec.heading(m, d)}$",
                      sec.derivation_rows(m, d, layout, report=report))
    out += _block("Delta form", sec.delta_rows(report, layout))
    out += [f"Note: {tex_text(n)}\n" for n in report.notes]
    if report.checks:
        out.append(tex_text(verified_line(report)))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
