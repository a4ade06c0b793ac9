"""Renderers of an ``ExpressionReport``: terminal text, LaTeX (graph in TikZ), Markdown, JSON.

Contract: ``render_expression(report, fmt)`` with ``fmt`` one of ``FORMATS`` walks the same
report data — the computational graph (one node per operation, edges labelled with their local
derivatives), each derivation step with its rule, the path sum (per path the product of the
edge derivatives, then the sum), forward mode, reverse mode and the verification — and
differs only in spelling. The LaTeX is a fragment for a document that loads ``amsmath`` and
``tikz`` with the ``arrows.meta`` library; it compiles with ``pdflatex -no-shell-escape``.
Markdown draws the graph as a Mermaid diagram. Output is deterministic.
"""

from __future__ import annotations

import json
import math

import mpmath
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.expression.derive import MAX_PATHS, ExpressionReport, Gradient, ModeLine, sigmoid
from derive.render.document import RULE_TITLES
from derive.symbolic import Partial
from derive.verify import WORK_DIGITS

FORMATS = ("text", "latex", "markdown", "json")
TITLES = RULE_TITLES
CDOT = r" \cdot "
LABELLED_EDGES = 24  # more edges than this and the TikZ picture drops its edge labels


def numbers_last(expr: sp.Add) -> list[sp.Expr]:
    """The terms of a sum in the order built, numbers moved last: b + 1, not 1 + b; but a
    number first before a lone negative term: 1 − σ(u), not −σ(u) + 1."""
    terms = [a for a in expr.args if not a.is_number]
    numbers = [a for a in expr.args if a.is_number]
    if len(terms) == 1 and numbers and terms[0].could_extract_minus_sign():
        return numbers + terms
    return terms + numbers


class ExprText(StrPrinter):
    """Unicode text: ∂e/∂b = d·∂c/∂b + c·∂d/∂b, x², −sin(x), σ(u)."""

    def __init__(self) -> None:
        super().__init__({"order": "none"})

    def _print_log(self, expr):  # the natural logarithm, as the courses write it
        return f"ln({self._print(expr.args[0])})"

    def _print_Partial(self, expr):
        u, v = expr.args
        top = self._print(u)
        return f"∂({top})/∂{self._print(v)}" if not isinstance(u, sp.Symbol) else \
            f"∂{top}/∂{self._print(v)}"

    def _print_Function(self, expr):
        if expr.func == sigmoid:
            return f"σ({self._print(expr.args[0])})"
        return super()._print_Function(expr)

    def _print_Add(self, expr, order=None):
        out = ""
        for i, term in enumerate(numbers_last(expr)):
            text = self._print(term)
            if i and text[:1] in "-−":
                out += " − " + text[1:]
            else:
                out += (" + " if i else "") + text
        return "−" + out[1:] if out.startswith("-") else out

    def _factor(self, a, first: bool) -> str:
        text = self._print(a)
        if isinstance(a, sp.Add) or (not first and text[:1] in "-−") or (
                isinstance(a, sp.Pow) and a.exp.is_negative):
            return f"({text})"
        return text

    def _print_OrderedProduct(self, expr):
        return "·".join(self._factor(a, i == 0) for i, a in enumerate(expr.args))

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_negative:
            inner = self._print(-expr)
            return "−" + (f"({inner})" if isinstance(-expr, sp.Add) else inner)
        numer, denom = sp.fraction(expr, exact=True)
        if denom != 1:
            top, bottom = self._print(numer), self._print(denom)
            if precedence(numer) < PRECEDENCE["Mul"]:
                top = f"({top})"
            if precedence(denom) <= PRECEDENCE["Mul"]:
                bottom = f"({bottom})"
            return f"{top}/{bottom}"
        parts = [self._factor(a, i == 0) for i, a in enumerate(expr.as_ordered_factors())]
        if len(parts) > 1 and expr.as_ordered_factors()[0].is_Number:
            return parts[0] + "·".join(parts[1:])
        return "·".join(parts)

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return f"√({self._print(base)})"
        if exp.is_negative:
            inner = self._print(sp.Pow(base, -exp))
            return f"1/{inner}" if isinstance(base, sp.Symbol) and exp == -1 else f"1/({inner})"
        text = self._print(base)
        if precedence(base) <= PRECEDENCE["Pow"] or isinstance(base, Partial):
            text = f"({text})"
        return text + {2: "²", 3: "³"}.get(exp, f"^{self._print(exp)}" if exp.is_Atom else
                                          f"^({self._print(exp)})")

    def _print_Integer(self, expr):
        return str(expr.p).replace("-", "−")

    def _print_Rational(self, expr):
        return f"{expr.p}/{expr.q}".replace("-", "−")


class ExprTex(LatexPrinter):
    """LaTeX: \\frac{\\partial e}{\\partial b} = d \\cdot \\frac{\\partial c}{\\partial b} + …"""

    def __init__(self) -> None:
        super().__init__({"order": "none", "mul_symbol": "dot", "ln_notation": True})

    def _print_Partial(self, expr, exp=None):
        u, v = expr.args
        top = self._print(u)
        if not isinstance(u, sp.Symbol):
            top = rf"\left({top}\right)"
        return rf"\frac{{\partial {top}}}{{\partial {self._print(v)}}}"

    def _print_Function(self, expr, exp=None):
        if expr.func == sigmoid:
            return rf"\sigma\left({self._print(expr.args[0])}\right)"
        return super()._print_Function(expr, exp)

    def _as_ordered_terms(self, expr, order=None):
        return numbers_last(expr)

    def _print_OrderedProduct(self, expr):
        parts = []
        for i, a in enumerate(expr.args):
            text = self._print(a)
            if isinstance(a, sp.Add) or (i and text.startswith("-")):
                text = rf"\left({text}\right)"
            parts.append(text)
        return r" \cdot ".join(parts)


def _num(value: sp.Expr | None) -> str:
    """A value for people: integers exactly, others to 6 significant digits."""
    if value is None:
        return "?"
    x = float(value)
    if not math.isfinite(x):  # beyond float64, not beyond the 50-digit values
        return _beyond(value, 6).replace("-", "−")
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x)).replace("-", "−")
    return f"{x:.6g}".replace("-", "−")


def _joined(values: list[str], sep: str) -> str:
    return sep.join(f"({v})" if v.startswith("−") and i else v for i, v in enumerate(values))


def _chain(*parts: str) -> str:
    """``a = b = c`` with no value written twice in a row (not "a = 3 = 3")."""
    kept = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    return " = ".join(kept)


def _path_sum(report: ExpressionReport, g: Gradient, dot: str = "·") -> str:
    """'1·2 + 1·3 = 5': each path's edge derivatives at the point, multiplied, then summed."""
    terms = [_joined([_num(report.value(f)) for f in p.factors], dot) for p in g.paths]
    terms = [terms[0]] + [f"({t})" if t.startswith("−") else t for t in terms[1:]]
    more = f" + … ({g.n_paths - len(g.paths)} more paths)" if g.n_paths > len(g.paths) else ""
    return _chain(" + ".join(terms) + more, _num(g.value))


def _mode_text(report: ExpressionReport, line: ModeLine, top: str, bottom: str,
               tp: ExprText, reverse: bool) -> str:
    """One forward line (∂n/∂v = Σ local·∂o/∂v) or reverse line (∂out/∂n = Σ ∂out/∂p·local)."""
    if reverse:
        symbolic = [f"∂{top}/∂{o}·{tp._factor(d, False)}" for d, o in line.terms]
        left = f"∂{top}/∂{line.node}"
    else:
        symbolic = [f"{tp._factor(d, True)}·∂{o}/∂{bottom}" for d, o in line.terms]
        left = f"∂{line.node}/∂{bottom}"
    out = f"{left} = {' + '.join(symbolic)}"
    if report.values:  # numbers only at a point (--at)
        if reverse:
            numbers = [_joined([_num(_adjoint(report, o)), _num(report.value(d))], "·")
                       for d, o in line.terms]
        else:
            numbers = [_joined([_num(report.value(d)), _num(_tangent(report, line, o, bottom))],
                               "·") for d, o in line.terms]
        numbers = numbers[:1] + [f"({n})" if n.startswith("−") else n for n in numbers[1:]]
        out = _chain(out, " + ".join(numbers), _num(line.value))
    return out


def _mode_tex(report: ExpressionReport, line: ModeLine, top: str, bottom: str,
              lp: ExprTex, reverse: bool) -> str:
    """``_mode_text``'s line as an ``align*`` row."""
    def d(u: str, v: str) -> str:
        return rf"\frac{{\partial {u}}}{{\partial {v}}}"

    node = lp.doprint(line.node)
    if reverse:
        symbolic = [rf"{d(top, lp.doprint(o))} \cdot {lp.doprint(dd)}" for dd, o in line.terms]
        left = d(top, node)
    else:
        symbolic = [rf"{lp.doprint(dd)} \cdot {d(lp.doprint(o), bottom)}" for dd, o in line.terms]
        left = d(node, bottom)
    out = f"{left} &= {' + '.join(symbolic)}"
    if report.values:
        text = _mode_text(report, line, top, bottom, ExprText(), reverse)
        numbers = text.split(" = ", 2)[2:]  # past "left = symbolic = "
        if numbers:
            out += f" = {numbers[0].replace('−', '-').replace('·', CDOT)}"
    return out


def _adjoint(report: ExpressionReport, node: sp.Symbol) -> sp.Expr:
    if node == report.output:
        return sp.Integer(1)
    return next(line.value for line in report.reverse if line.node == node)


def _tangent(report: ExpressionReport, line: ModeLine, node: sp.Symbol, wrt: str) -> sp.Expr:
    if node.name == wrt:
        return sp.Integer(1)
    g = next(g for g in report.gradients if g.wrt.name == wrt)
    return next(m.value for m in g.forward if m.node == node)


def _point_text(report: ExpressionReport) -> str:
    return ", ".join(f"{v} = {_num(x)}" for v, x in report.point.items())


def _verified(report: ExpressionReport) -> str:
    exact = ", and sympy.diff symbolically" if all(g.symbolic for g in report.gradients) else ""
    worst = max((g.gap for g in report.gradients), default=0.0)
    return ("Verified: each derivative and step equals the expression's derivative taken "
            f"numerically at random points (central differences in {WORK_DIGITS} digits){exact}; "
            f"largest relative gap {worst:.1e}.")


# --- text --------------------------------------------------------------------------------
def step_detail(step, tp: ExprText) -> str:
    """A step's words and facts as one text: "c = a + b, so ∂c/∂a = 1; b free of a"."""
    facts = [f"{tp.doprint(a)} = {tp.doprint(b)}" for a, b in step.facts]
    said = facts[0] + (", so " + ", ".join(facts[1:]) if facts[1:] else "") if facts else ""
    return "; ".join(part for part in (said, step.detail) if part)


def render_text(report: ExpressionReport) -> str:
    """Unicode text for a terminal."""
    tp = ExprText()
    out = [f"Expression: {report.output} = {tp.doprint(report.expression)}", "",
           "Computational graph (one node per operation):"]
    out += [f"  {n.symbol} = {tp.doprint(n.definition)}" for n in report.nodes
            if n.op != "input"]
    out += ["", "Edges, each with its local derivative:"]
    out += [f"  {e.source} → {e.target}:  ∂{e.target}/∂{e.source} = {tp.doprint(e.derivative)}"
            + (f" = {_num(report.value(e.derivative))}" if report.values
               and not e.derivative.is_number else "")
            + f"    [{TITLES[e.rule]}]" for e in report.edges]
    if report.values:
        out += ["", f"At {_point_text(report)}: " + ", ".join(
            f"{n.symbol} = {_num(report.values[n.symbol])}" for n in report.nodes
            if n.op != "input")]
    for g in report.gradients:
        lhs = tp.doprint(g.derivation.target)
        out += ["", f"{lhs}:"]
        for i, step in enumerate(g.derivation.steps):
            prefix = f"  {lhs} = " if i == 0 else " " * (len(lhs) + 3) + "= "
            detail = step_detail(step, tp)
            rule = TITLES[step.rule] + (f": {detail}" if detail else "")
            out.append(f"{prefix}{tp.doprint(step.rhs)}    [{rule}]")
        out += ["", f"  Path sum ({g.n_paths} path{'s' if g.n_paths != 1 else ''} from "
                    f"{g.wrt} to {report.output}; per path, the product of its edge "
                    "derivatives, then the sum):"]
        for p in g.paths:
            edges = "·".join(f"∂{b}/∂{a}" for a, b in zip(p.nodes, p.nodes[1:], strict=False))
            chain = [edges, _joined([tp._factor(f, True) for f in p.factors], "·")]
            if report.values:
                chain += [_joined([_num(report.value(f)) for f in p.factors], "·"),
                          _num(report.value(sp.Mul(*p.factors)))]
            out.append(f"    {' → '.join(map(str, p.nodes))}:  {_chain(*chain)}")
        if report.values:
            out.append(f"    {lhs} = {_path_sum(report, g)}")
        out += ["", f"  Forward mode (∂n/∂{g.wrt} node by node, from {g.wrt} up):"]
        out += [f"    {_mode_text(report, line, report.output.name, g.wrt.name, tp, False)}"
                for line in g.forward]
    if report.gradients:
        out += ["", f"Reverse mode (∂{report.output}/∂n node by node, from {report.output} "
                    "down; one sweep gives every variable):"]
        out += [f"  {_mode_text(report, line, report.output.name, '', tp, True)}"
                for line in report.reverse]
        out += ["", _verified(report)]
    return "\n".join(out) + "\n"


# --- LaTeX ---------------------------------------------------------------------------------
def _levels(report: ExpressionReport) -> dict[sp.Symbol, int]:
    level: dict[sp.Symbol, int] = {}
    for n in report.nodes:
        ops = [o for o in n.operands if isinstance(o, sp.Symbol)]
        level[n.symbol] = 1 + max(level[o] for o in ops) if ops else 0
    return level


def graph_tikz(report: ExpressionReport) -> str:
    """The computational graph as a ``tikzpicture``: columns by depth, inputs on the left."""
    lp = ExprTex()
    level = _levels(report)
    columns: dict[int, list[sp.Symbol]] = {}
    for n in report.nodes:
        columns.setdefault(level[n.symbol], []).append(n.symbol)
    depth, tallest = max(columns) + 1, max(len(c) for c in columns.values())
    x_step = min(3.2, 15.0 / max(1, depth - 1))
    y_step = min(1.9, 18.0 / max(1, tallest))
    labelled = len(report.edges) <= LABELLED_EDGES
    out = [r"\begin{tikzpicture}[>=Stealth, x=1cm, y=1cm,",
           r"  node/.style={circle, draw, thick, minimum size=8mm, inner sep=1pt, fill=white},",
           r"  input/.style={node, fill=black!8},",
           r"  note/.style={font=\scriptsize, text=black!70, inner sep=1pt},",
           r"  edge/.style={font=\scriptsize, fill=white, inner sep=1pt}]"]
    ids = {}
    for l, column in sorted(columns.items()):
        for j, s in enumerate(column):
            ids[s] = f"n{len(ids)}"
            y = ((len(column) - 1) / 2 - j) * y_step
            node = next(n for n in report.nodes if n.symbol == s)
            style = "input" if node.op == "input" else "node"
            below = "" if node.op == "input" else f"${lp.doprint(node.definition)}$"
            if report.values and labelled:
                value = _num(report.values[s]).replace("−", "-")
                below = f"${lp.doprint(node.definition)} = {value}$" if below else f"$= {value}$"
            label = f", label={{[note]below:{below}}}" if below and labelled else ""
            out.append(rf"\node[{style}{label}] ({ids[s]}) at ({l * x_step:.2f},{y:.2f}) "
                       rf"{{${lp.doprint(s)}$}};")
    for e in report.edges:
        text = ""
        if labelled:
            text = lp.doprint(e.derivative)
            if report.values and not e.derivative.is_number:
                text += f" = {_num(report.value(e.derivative))}".replace("−", "-")
            text = rf" node[edge, midway, sloped, above] {{${text}$}}"
        out.append(rf"\draw[->] ({ids[e.source]}) --{text} ({ids[e.target]});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def _tex_gradient(report: ExpressionReport, g: Gradient, lp: ExprTex) -> list[str]:
    lhs = lp.doprint(g.derivation.target)
    rows = [f"{lhs if i == 0 else ''} &= {lp.doprint(s.rhs)} && \\text{{{TITLES[s.rule]}}}"
            for i, s in enumerate(g.derivation.steps)]
    paths = [r" \cdot ".join(lp.doprint(f) if not isinstance(f, sp.Add) else
                             rf"\left({lp.doprint(f)}\right)" for f in p.factors)
             for p in g.paths]
    more = r" + \dots" if g.n_paths > len(g.paths) else ""
    path_row = f"{lhs} &= {' + '.join(paths)}{more} && \\text{{path sum}}"
    rows.append(path_row)
    if report.values:
        numbers = _path_sum(report, g, CDOT).replace("−", "-")
        rows.append(f" &= {numbers} && \\text{{at the point}}")
    return rows


def render_latex(report: ExpressionReport) -> str:
    """A LaTeX fragment (amsmath, tikz + arrows.meta): graph, derivations, path sums."""
    lp = ExprTex()
    text = " ".join(report.text.split())
    args = "".join(f" --wrt {g.wrt}" for g in report.gradients)
    args += "".join(f" --at {v}={float(x):g}" for v, x in report.point.items())
    out = [f"% chainrule derive --expr \"{text}\"{args} --format latex",
           r"% needs \usepackage{amsmath,tikz} and \usetikzlibrary{arrows.meta}",
           r"\paragraph{Computational graph}",
           "\\begin{center}", graph_tikz(report), "\\end{center}",
           r"\begin{align*}",
           " \\\\\n".join(f"{lp.doprint(n.symbol)} &= {lp.doprint(n.definition)}"
                          for n in report.nodes if n.op != "input"),
           r"\end{align*}"]
    top = lp.doprint(report.output)
    for g in report.gradients:
        out += [rf"\paragraph{{${lp.doprint(g.derivation.target)}$}}", r"\begin{align*}",
                " \\\\\n".join(_tex_gradient(report, g, lp)), r"\end{align*}",
                rf"Forward mode ($\partial n/\partial {lp.doprint(g.wrt)}$ node by node, from "
                rf"${lp.doprint(g.wrt)}$ up):", r"\begin{align*}",
                " \\\\\n".join(_mode_tex(report, m, top, lp.doprint(g.wrt), lp, False)
                               for m in g.forward), r"\end{align*}"]
    if report.reverse:
        out += [rf"\paragraph{{Reverse mode}} ($\partial {top}/\partial n$ node by node, from "
                rf"${top}$ down; one sweep gives every variable):", r"\begin{align*}",
                " \\\\\n".join(_mode_tex(report, m, top, "", lp, True)
                               for m in report.reverse), r"\end{align*}"]
    if report.gradients:
        out.append(_verified(report).replace("−", "$-$"))
    return "\n".join(out) + "\n"


# --- Markdown ------------------------------------------------------------------------------
def _mermaid(report: ExpressionReport) -> list[str]:
    tp = ExprText()
    ids = {n.symbol: f"n{i}" for i, n in enumerate(report.nodes)}
    out = ["```mermaid", "graph LR"]
    for n in report.nodes:
        label = str(n.symbol) if n.op == "input" else f"{n.symbol} = {tp.doprint(n.definition)}"
        out.append(f'  {ids[n.symbol]}(("{label}"))')
    for e in report.edges:
        label = f"∂{e.target}/∂{e.source} = {tp.doprint(e.derivative)}"
        out.append(f'  {ids[e.source]} -->|"{label}"| {ids[e.target]}')
    return out + ["```"]


def render_markdown(report: ExpressionReport) -> str:
    """Markdown: a Mermaid graph, ``$$`` blocks for the derivations, text for the modes."""
    lp, tp = ExprTex(), ExprText()
    out = [f"# ${lp.doprint(report.output)} = {lp.doprint(report.expression)}$", "",
           "## Computational graph", "", *_mermaid(report)]
    if report.values:
        out += ["", f"At {_point_text(report)}."]
    for g in report.gradients:
        rows = [r.replace("&&", "&\\quad") for r in _tex_gradient(report, g, lp)]
        out += ["", f"## ${lp.doprint(g.derivation.target)}$", "", "$$", "\\begin{aligned}",
                " \\\\\n".join(rows), "\\end{aligned}", "$$", "",
                f"Forward mode (∂n/∂{g.wrt}, from {g.wrt} up):", ""]
        out += [f"- {_mode_text(report, m, report.output.name, g.wrt.name, tp, False)}"
                for m in g.forward]
    if report.gradients:
        out += ["", f"Reverse mode (∂{report.output}/∂n, from {report.output} down):", ""]
        out += [f"- {_mode_text(report, m, report.output.name, '', tp, True)}"
                for m in report.reverse]
        out += ["", _verified(report)]
    return "\n".join(out) + "\n"


# --- JSON ------------------------------------------------------------------------------------
def _number(value: sp.Expr) -> float | str:
    """A float, or beyond float64's range the 17-digit decimal string (JSON has no inf)."""
    x = float(value)
    return x if math.isfinite(x) else _beyond(value, 17)


def _beyond(value: sp.Expr, digits: int) -> str:
    """A value beyond float64 as decimal text (2.13891e+1236); one whose exponent itself runs
    past 12 digits as a bound, since its digits would fill pages."""
    text = mpmath.nstr(sp.N(value, digits + 2)._to_mpmath(4 * digits + 16), digits,
                       min_fixed=1, max_fixed=0)
    mantissa, _, exponent = text.partition("e")
    if len(exponent.lstrip("+-")) > 12:
        sign = "-" if mantissa.startswith("-") else ""
        return f"{sign}1e{exponent[0]}999999999999 or beyond"
    return text


def _value(report: ExpressionReport, expr) -> float | str | None:
    return _number(report.value(expr)) if report.values else None


def render_json(report: ExpressionReport) -> str:
    """One object: nodes, edges, point, and per variable steps, paths and modes."""
    tp, lp = ExprText(), ExprTex()
    code = sp.sstr

    def mode(line: ModeLine) -> dict:
        return {"node": line.node.name, "value": None if line.value is None else
                _number(line.value), "terms": [{"local": code(d), "node": o.name}
                                             for d, o in line.terms]}

    payload = {
        "expression": report.text,
        "output": report.output.name,
        "variables": [v.name for v in report.variables],
        "point": {v.name: float(x) for v, x in report.point.items()},
        "nodes": [{"name": n.symbol.name, "op": n.op,
                   "definition": None if n.op == "input" else code(n.definition),
                   "value": _value(report, n.symbol)} for n in report.nodes],
        "edges": [{"from": e.source.name, "to": e.target.name, "derivative": code(e.derivative),
                   "rule": e.rule, "value": _value(report, e.derivative)}
                  for e in report.edges],
        "gradients": [{
            "wrt": g.wrt.name,
            "steps": [{"rule": s.rule, "detail": step_detail(s, tp),
                       "text": f"{tp.doprint(s.lhs)} = {tp.doprint(s.rhs)}",
                       "latex": f"{lp.doprint(s.lhs)} = {lp.doprint(s.rhs)}"}
                      for s in g.derivation.steps],
            "result": code(g.derivation.result),
            "in_variables": code(g.in_inputs),
            "value": None if g.value is None else _number(g.value),
            "paths": [{"nodes": [s.name for s in p.nodes],
                       "factors": [code(f) for f in p.factors],
                       "values": [_value(report, f) for f in p.factors]} for p in g.paths],
            "n_paths": g.n_paths,
            "paths_listed_up_to": MAX_PATHS,
            "forward": [mode(m) for m in g.forward],
            "verified": {"largest_relative_gap": g.gap, "symbolic": g.symbolic},
        } for g in report.gradients],
        "reverse": [mode(m) for m in report.reverse],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "latex": render_latex, "markdown": render_markdown,
             "json": render_json}


def render_expression(report: ExpressionReport, fmt: str = "text") -> str:
    """``report`` in ``fmt`` (one of ``FORMATS``)."""
    return RENDERERS[fmt](report)
