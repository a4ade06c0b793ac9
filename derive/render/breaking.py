"""Breaking long LaTeX equations over aligned lines, so nothing runs off the page.

Contract: ``BreakingTexPrinter(model, inline)`` prints like ``TexPrinter`` but writes every
construct that TeX cannot break — a pending derivative of a long expression, e^{long}, a long
denominator or numerator — in a breakable form (∂/∂v (…), exp(…), (…)⁻¹, 1/d · (…)), and
marks where a line may break (before +, −, ·, ⊙ outside any TeX group) and which brackets may
span lines. ``rows`` lays a marked right side out in align rows of at most the given width (in
``tex_width`` units, about one math letter each); a bracket that ends up split over lines gets
a fixed size (\\bigl … \\Biggl, larger outside), one on a single line keeps \\left …
\\right. ``tex_width`` is an estimate, checked by the handout tests against pdflatex's
overfull-box warnings.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.render.printers import TexPrinter
from derive.symbolic import Model

BREAK, OPEN, CLOSE = "\x01", "\x02", "\x03"
SIZES = (r"\bigl", r"\Bigl", r"\biggl", r"\Biggl")
_OPS = (" + ", " - ", r" \cdot ", r" \odot ")
_GROUP_COMMANDS = {"operatorname", "mathrm", "mathcal", "mathbf", "boldsymbol", "hat", "mathit",
                   "text", "textit", "textrm", "mathbb", "bar", "tilde", "vec", "underline"}
_ZERO = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
         "big", "Big", "displaystyle", "small", "scriptstyle", "phantom"}
_SPACES = {",": 0.3, ";": 0.5, ":": 0.4, "!": -0.3, "quad": 2.0, "qquad": 4.0, " ": 0.5}
# letters as much wider than an average italic letter as w is than x in Computer Modern
_WIDE = dict.fromkeys("wmMNWHKQ", 1.35)
_BINARY = {"cdot": 1.4, "odot": 1.8, "times": 1.8, "pm": 1.8, "leftarrow": 2.5, "to": 2.2}


def tex_width(tex: str) -> float:
    """Estimated width of LaTeX math in units of about one italic letter (≈ 0.5 em)."""
    return _Width(tex).run()


class _Width:
    def __init__(self, tex: str):
        self.s, self.i = tex, 0

    def run(self, stop: str = "") -> float:
        total = 0.0
        while self.i < len(self.s) and self.s[self.i] != stop:
            total += self.item()
        self.i += 1  # past the closing brace (or the end)
        return total

    def group(self) -> float:
        """The next argument: a braced group or a single token."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i < len(self.s) and self.s[self.i] == "{":
            self.i += 1
            return self.run("}")
        return self.item()

    def item(self) -> float:
        c = self.s[self.i]
        self.i += 1
        if c == "{":
            return self.run("}")
        if c in "^_":  # script size is 8/11 of the text, script-script 6/11
            return 0.75 * self.group()
        if c in (BREAK, " ", "&", "}"):
            return 0.0
        if c in (OPEN, CLOSE):  # may be set as \bigl( … \Biggl(, wider than (
            return 0.95
        if c in ("(", ")", "[", "]", "|"):
            return 0.8
        if c in "+-=<>":
            return 2.2
        if c in ",.;'":
            return 0.5
        if c != "\\":
            return _WIDE.get(c, 1.3 if c.isupper() else 1.0)  # capitals: about 3/4 em
        m = re.match(r"[A-Za-z]+|.", self.s[self.i:])
        name = m.group(0) if m else ""
        self.i += len(name)
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.group(), self.group()
            return max(top, bottom) * (0.8 if name == "tfrac" else 1.0) + 0.6
        if name in _GROUP_COMMANDS:
            scale = {"mathbf": 1.15, "boldsymbol": 1.15}.get(name, 1.0)  # bold is wider
            return self.group() * (0.9 if name.startswith("text") else scale)
        if name == "sqrt":  # the radical sign is about 0.8 em
            return self.group() + 1.6
        if name in ("hspace", "rule", "label", "tag"):
            self.group()
            return 8.0 if name == "hspace" else 0.0
        if name in _ZERO:
            return 0.0
        if name in _SPACES:
            return _SPACES[name]
        if name in _BINARY:
            return _BINARY[name]
        if name in ("exp", "ln", "log", "tanh", "cosh", "sin", "cos", "max", "min"):
            return 0.8 * len(name)
        return 1.0


class BreakingTexPrinter(TexPrinter):
    """``TexPrinter`` whose output ``rows`` can break; see the module docstring."""

    def __init__(self, model: Model, inline: float = 40.0):
        super().__init__(model)
        self.inline = inline

    def doprint(self, expr) -> str:
        return mark(super().doprint(expr))

    def _long(self, tex: str) -> bool:
        return tex_width(tex) > self.inline

    def _print_Partial(self, expr, exp=None):
        u, v = expr.args
        top = self._print(u)
        if isinstance(u, sp.Add | sp.Mul) and self._long(top):
            return rf"\frac{{\partial}}{{\partial {self._print(v)}}}\left({top}\right)"
        return super()._print_Partial(expr, exp)

    def _print_ExpBase(self, expr, exp=None):
        arg = self._print(expr.args[0])
        # An exponent is set in script size; a fraction inside it would be unreadably small.
        if 0.7 * tex_width(arg) > self.inline or r"\frac" in arg:
            return rf"\exp\left({arg}\right)"
        return super()._print_ExpBase(expr, exp)

    def _print_Pow(self, expr):
        if expr.exp == -1:
            base = self._print(expr.base)
            if self._long(base):
                return rf"\left({base}\right)^{{-1}}"
        return super()._print_Pow(expr)

    def _print_Mul(self, expr):
        numer, denom = sp.fraction(expr, exact=True)
        if denom != 1:
            bottom = self._print(denom)
            if self._long(bottom):
                inverse = rf"\left({bottom}\right)^{{-1}}"
                return inverse if numer == 1 else rf"{self._print(numer)} \cdot {inverse}"
            top = self._print(numer)
            if self._long(top):  # a long numerator over a short denominator: 1/d · (…)
                top = rf"\left({top}\right)" if isinstance(numer, sp.Add) else top
                return rf"\frac{{1}}{{{bottom}}} \cdot {top}"
        return super()._print_Mul(expr)


def mark(tex: str) -> str:
    """Plain LaTeX with its break points and bracket pairs marked for ``rows``."""
    tex = tex.replace(r"\left(", OPEN).replace(r"\right)", CLOSE)
    for op in _OPS:
        tex = tex.replace(op, BREAK + op)
    return tex


def unmark(tex: str) -> str:
    """Marked LaTeX on one line, markers resolved (no break taken)."""
    return _resolve([tex])[0]


def _tokens(marked: str) -> list[tuple[str, int | None]]:
    """Segments between usable breaks, each with the bracket depth of its break (or None)."""
    segments: list[tuple[str, int | None]] = [("", None)]
    braces = brackets = 0
    for c in marked:
        if c == BREAK and braces == 0:
            segments.append(("", brackets))
            continue
        if c == BREAK:
            continue
        if c == "{":
            braces += 1
        elif c == "}":
            braces -= 1
        elif c == OPEN and braces == 0:
            brackets += 1
        elif c == CLOSE and braces == 0:
            brackets -= 1
        text, depth = segments[-1]
        segments[-1] = (text + c, depth)
    return segments


def split(marked: str, first: float, rest: float) -> list[str]:
    """Marked LaTeX cut into lines of at most ``first`` then ``rest`` units, markers resolved.

    A break is taken before the segment that would overflow, at the shallowest bracket depth
    among the breaks in the last 40% of the line, so lines end at a sum's terms where possible.
    """
    segments = _tokens(marked)
    widths = [tex_width(t) for t, _ in segments]
    lines: list[str] = []
    start = 0
    while start < len(segments):
        limit = first if not lines else rest
        used, end = 0.0, start
        while end < len(segments) and (end == start or used + widths[end] <= limit):
            used += widths[end]
            end += 1
        if end < len(segments):
            candidates = [k for k in range(start + 1, end + 1)
                          if sum(widths[start:k]) >= 0.6 * limit]
            if candidates:
                end = min(candidates, key=lambda k: (segments[k][1] + _product(segments[k][0]),
                                                     -k))
        lines.append("".join(t for t, _ in segments[start:end]))
        start = end
    return _resolve(lines)


def _product(segment: str) -> float:
    """A level of depth against breaking inside a product rather than a sum."""
    return 1.0 if segment.lstrip().startswith((r"\cdot", r"\odot")) else 0.0


def _resolve(lines: list[str]) -> list[str]:
    """Turn bracket markers into \\left/\\right (same line) or sized delimiters (split)."""
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    stack: list[tuple[int, int]] = []
    for li, line in enumerate(lines):
        for ci, c in enumerate(line):
            if c == OPEN:
                stack.append((li, ci))
            elif c == CLOSE and stack:
                opened = stack.pop()
                pairs[opened] = (li, ci)
    size: dict[tuple[int, int], int] = {}
    # Innermost pairs close first, so sizes grow outwards by visiting pairs by their close.
    for (ol, oc), (cl, cc) in sorted(pairs.items(), key=lambda p: p[1]):
        if ol == cl:
            continue
        inner = [size[o] for o, c in pairs.items() if o in size and (ol, oc) < o and c < (cl, cc)]
        body = "".join(lines[ol:cl + 1])
        size[(ol, oc)] = min(max([s + 1 for s in inner] + [1 if r"\frac" in body else 0]), 3)
    out = []
    for li, line in enumerate(lines):
        text = []
        for ci, c in enumerate(line):
            if c == OPEN:
                s = size.get((li, ci))
                text.append(r"\left(" if s is None else SIZES[s] + "(")
            elif c == CLOSE:
                opened = next((o for o, cl in pairs.items() if cl == (li, ci)), None)
                s = size.get(opened) if opened else None
                text.append(r"\right)" if s is None else SIZES[s][:-1] + "r)")
            elif c != BREAK:
                text.append(c)
        out.append("".join(text))
    return out


def rows(lhs: str, marked: str, width: float, tag: str = "") -> list[str]:
    """Align rows ``lhs &= …`` then ``&\\quad {}+ …`` for one equation; ``tag`` (e.g.
    ``&& \\text{rule}``) ends the first row."""
    lines = split(marked, width, width - 2.5)
    out = [f"{lhs} &= {lines[0].strip()}{tag}"]
    out += [rf"&\quad {{}}{line.strip()}" for line in lines[1:]]
    return out
