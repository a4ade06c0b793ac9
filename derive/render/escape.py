"""Making free text from a spec safe to print in LaTeX text and in Markdown.

Contract: ``tex_text(s)`` returns LaTeX that typesets ``s`` literally in a paragraph: every
TeX special character is escaped (so ``\\input``, ``\\write18`` or an unbalanced brace in a
spec's description prints as those characters and does nothing), a power written ``^2`` is
set as a superscript, a few Unicode symbols are spelled in TeX, and any other character
outside printable ASCII becomes ``?`` — pdflatex would stop at it. ``md_text(s)`` escapes
Markdown's and HTML's specials and the ``$`` that starts KaTeX/MathJax maths, so a
description cannot inject markup, maths or raw HTML. ``code_tex(s)`` sets ASCII program text
for ``\\texttt`` (typewriter fonts have the quotes and brackets TeX's text fonts lack).
"""

from __future__ import annotations

import re

_TEX = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "\"": "''",
    "−": "--", "–": "--", "—": "---", "→": r"$\rightarrow$", "×": r"$\times$",
    "·": r"$\cdot$", "²": r"\textsuperscript{2}", "σ": r"$\sigma$", "θ": r"$\theta$",
    "δ": r"$\delta$", "η": r"$\eta$", "′": "'", "’": "'", "‘": "`", "…": r"\ldots{}",
    "≈": r"$\approx$", "⊙": r"$\odot$", "∂": r"$\partial$", "ä": r"\"a", "ö": r"\"o",
    "ü": r"\"u", "é": r"\'e", "\n": " ", "\t": " ",
}
_MD = set("\\`*_{}[]#|<>&$~")


def tex_text(text: str) -> str:
    """``text`` as literal LaTeX paragraph text (see the module docstring)."""
    parts = re.split(r"\^(\d+)", str(text))  # odd parts are the exponents of ^2, ^10
    return "".join(rf"\textsuperscript{{{part}}}" if i % 2 else _escape(part)
                   for i, part in enumerate(parts))


def _escape(text: str) -> str:
    out = []
    for char in text:
        if char in _TEX:
            out.append(_TEX[char])
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append("?")
    return "".join(out)


def md_text(text: str) -> str:
    """``text`` as literal Markdown inline text, maths and HTML disarmed."""
    out = []
    for char in str(text).replace("\n", " "):
        if char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif char == "&":
            out.append("&amp;")
        elif char in _MD:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


_CODE = {"\\": r"\char`\\", "{": r"\{", "}": r"\}", "_": r"\_", "#": r"\#", "%": r"\%",
         "&": r"\&", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def code_tex(text: str) -> str:
    """ASCII program text for ``\\texttt`` (see the module docstring)."""
    return "".join(_CODE.get(c, c if " " <= c <= "~" else "?") for c in str(text))
