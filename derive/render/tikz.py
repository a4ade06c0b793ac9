"""The network drawn in TikZ: units labelled in the notation, weights on the edges when few.

Contract: ``network_tikz(model)`` returns a ``tikzpicture`` (TikZ libraries ``arrows.meta`` and
``calc``). Each layer is a column: one circle per unit (``n{l}_{j}``), labelled with the
notation's name of the unit's output (inputs by their names); a layer of more than ``WIDE``
units is summarised as a box (``L{l}``) with its unit count. Edges carry the notation's weight
names (``w{l}_{i}_{j}``), each placed along its edge clear of the others (``_label_places``), and
units their bias names when the network has at most ``LABELLED`` weights and every layer at most
four units; between summarised layers one arrow carries the weight matrix's name and shape.
Under each column a caption (``c{l}``): the layer's activation
(and bias, if any). Columns are ``_X_STEP`` apart, closer for many layers (the picture spans
about ``_WIDTH``), but never so close that neighbouring columns, captions or an edge's label
and its units overlap (widths estimated with ``breaking.tex_width``); a picture that is then
wider than the text is scaled down to it by the template (``\\fitwidth``). All labels come
from the notation, whose names are identifiers already made safe for LaTeX.
"""

from __future__ import annotations

from derive.render.breaking import tex_width
from derive.symbolic import Model

WIDE = 6
LABELLED = 12
_X_STEP, _Y_STEP, _WIDTH = 3.6, 1.45, 14.0
_UNIT, _BOX = 0.95, 2.6  # a unit's diameter, a summary box's minimum width (cm)
_CM = 0.5 / 28.45  # one tex_width unit (about half an em) in cm, per pt of font size
_SIZES = {"small": 10.0, "footnotesize": 9.0, "scriptsize": 8.0}  # pt, in an 11pt document


def label_cm(tex: str, size: str) -> float:
    """Estimated width in cm of one line of ``tex`` (text with inline maths) at ``size``."""
    plain = tex.replace("$", "").replace(r"\ldots", "...")
    return 1.1 * tex_width(plain) * _CM * _SIZES[size]


def _unit_label(model: Model, l: int, j: int) -> str:
    key = f"x[{j}]" if l == 0 else f"a{l}[{j}]"
    return model.names[key].latex


def network_tikz(model: Model) -> str:
    """The TikZ picture of ``model``'s network (see the module docstring)."""
    net = model.net
    sizes = net.sizes
    wide = [n > WIDE for n in sizes]
    labelled = (sum(sizes[l] * sizes[l + 1] for l in range(len(sizes) - 1)) <= LABELLED
                and max(sizes) <= 4)
    texts = [_column_text(model, l, wide[l]) for l in range(len(sizes))]
    step = _step(model, wide, labelled, texts)
    if labelled and step * (len(sizes) - 1) > _WIDTH + 2:  # labels would not fit: leave them
        labelled, step = False, _step(model, wide, False, texts)
    out = [r"\begin{tikzpicture}[>=Stealth, x=1cm, y=1cm,",
           r"  unit/.style={circle, draw, thick, minimum size=9.5mm, inner sep=0pt, "
           r"font=\small, fill=white},",
           r"  input/.style={unit, fill=black!6},",
           r"  box/.style={draw, thick, rounded corners, minimum width=26mm, "
           r"minimum height=22mm, align=center, font=\small, fill=white},",
           r"  weight/.style={font=\scriptsize, fill=white, inner sep=0.8pt},",
           r"  bias/.style={font=\scriptsize, text=black!70, inner sep=1pt},",
           r"  caption/.style={font=\footnotesize, align=center, text=black!70, anchor=north}]"]
    # Units a long name makes larger than a circle's 9.5 mm stand further apart.
    diameter = max([_diameter(texts[l]) for l in range(len(sizes)) if not wide[l]] or [_UNIT])
    y_step = max(_Y_STEP * (1.3 if labelled else 1.0), diameter + 0.4)
    tallest = max(1 if w else n for n, w in zip(sizes, wide, strict=True))
    bottom = -max((tallest - 1) * y_step / 2, 1.1 if any(wide) else 0) - diameter / 2 - 0.13
    for l, n in enumerate(sizes):
        x = l * step
        if wide[l]:
            out.append(rf"\node[box{', fill=black!6' if l == 0 else ''}] (L{l}) at ({x:.2f},0) "
                       rf"{{{texts[l][0][0]}\\[2pt] {texts[l][0][1]}}};")
        else:
            for j in range(n):
                y = ((n - 1) / 2 - j) * y_step
                style = "input" if l == 0 else "unit"
                if labelled and l > 0 and net.layers[l - 1].bias:
                    bias = model.names[f"b{l}[{j}]"].latex
                    style += rf", label={{[bias]above:${bias}$}}"
                out.append(rf"\node[{style}] (n{l}_{j}) at ({x:.2f},{y:.2f}) "
                           rf"{{${_unit_label(model, l, j)}$}};")
        out.append(rf"\node[caption] (c{l}) at ({x:.2f},{bottom:.2f}) "
                   rf"{{{_caption(model, l)}}};")
    for l in range(1, len(sizes)):
        out += _edges(model, l, wide, labelled, (step, y_step, diameter))
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"


def _column_text(model: Model, l: int, wide: bool) -> list[tuple[str, ...]]:
    """What a column shows: a box's two lines, or each unit's label."""
    n = model.net.sizes[l]
    if wide:
        what = "inputs" if l == 0 else "units"
        first, last = _unit_label(model, l, 0), _unit_label(model, l, n - 1)
        return [(f"{n} {what}", rf"${first}, \ldots, {last}$")]
    return [(f"${_unit_label(model, l, j)}$",) for j in range(n)]


def _diameter(texts: list[tuple[str, ...]]) -> float:
    """The largest unit of a column of units: a 9.5 mm circle, or larger round a long name."""
    return max(_UNIT, *(label_cm(t[0], "small") + 0.15 for t in texts))


def _step(model: Model, wide: list[bool], labelled: bool, texts: list) -> float:
    """The distance between columns: about ``_WIDTH`` over all, at most ``_X_STEP`` (more for
    boxes), and never less than neighbouring columns, captions or edge labels need."""
    sizes = model.net.sizes
    n = len(sizes)
    step = min(_X_STEP * (1.4 if any(wide) else 1.0), _WIDTH / max(1, n - 1))

    def column(l: int) -> float:
        if wide[l]:
            return max(_BOX, *(label_cm(t, "small") + 0.3 for t in texts[l][0]))
        width = _diameter(texts[l])
        if labelled and l > 0 and model.net.layers[l - 1].bias:
            width = max(width, max(label_cm(f"${model.names[f'b{l}[{j}]'].latex}$", "scriptsize")
                                   for j in range(sizes[l])))
        return width

    def caption(l: int) -> float:
        return max(label_cm(line, "footnotesize") for line in _caption(model, l).split(r"\\"))

    for l in range(1, n):
        edge = 0.5
        if labelled:  # a label at pos p of an edge clears both units: p·length ≥ half its width
            label = max(label_cm(f"${model.names[f'W{l}[{i},{j}]'].latex}$", "scriptsize")
                        for i in range(sizes[l - 1]) for j in range(sizes[l]))
            edge = (label / 2 + 0.1) / _closest(sizes[l])
        elif wide[l - 1] and wide[l]:
            edge = 0.3 + label_cm(f"${model.names[f'W{l}'].latex}$: ${sizes[l - 1]} \\times "
                             f"{sizes[l]}$", "scriptsize")
        step = max(step, (column(l - 1) + column(l)) / 2 + edge,
                   (caption(l - 1) + caption(l)) / 2 + 0.3)
    return step

def _closest(n_dst: int) -> float:
    """How near an end of its edge (as a fraction of it) ``_label_places`` may put a weight
    label."""
    return 0.25 if n_dst <= 2 else 0.2


def _caption(model: Model, l: int) -> str:
    if l == 0:
        return "input"
    layer = model.net.layers[l - 1]
    act = model.notation.function(model.activation_of(l)).latex
    kind = "output" if l == len(model.net.layers) else f"layer {l}"
    bias = "" if layer.bias else r"\\ no bias"
    rbf = r"\\ squared distance" if layer.input_function == "squared_distance" else ""
    return rf"{kind}\\ ${act}${rbf}{bias}"


def _edges(model: Model, l: int, wide: list[bool], labelled: bool,
           grid: tuple[float, float, float]) -> list[str]:
    """The edges into layer ``l``, labelled or not; ``grid`` is the columns' step, the rows'
    step and a unit's diameter (cm), where ``_label_places`` puts the labels."""
    sizes = model.net.sizes
    if wide[l - 1] or wide[l]:
        src = [f"L{l - 1}"] if wide[l - 1] else [f"n{l - 1}_{i}" for i in range(sizes[l - 1])]
        dst = [f"L{l}"] if wide[l] else [f"n{l}_{j}" for j in range(sizes[l])]
        name = model.names[f"W{l}"].latex
        lines = [rf"\draw[->, thick] ({s}) -- ({d});" for s in src for d in dst]
        if src[0].startswith("L") and dst[0].startswith("L"):
            lines.append(rf"\node[weight, above=1mm] at ($({src[0]}.east)!0.5!({dst[0]}.west)$) "
                         rf"{{${name}$: ${sizes[l - 1]} \times {sizes[l]}$}};")
        return lines
    if not labelled:
        return [rf"\draw[->, black!55] (n{l - 1}_{i}) -- (n{l}_{j});"
                for i in range(sizes[l - 1]) for j in range(sizes[l])]
    names = {(i, j): model.names[f"W{l}[{i},{j}]"].latex
             for j in range(sizes[l]) for i in range(sizes[l - 1])}
    places = _label_places(sizes[l - 1], sizes[l], names, grid)
    return [rf"\draw[->] (n{l - 1}_{i}) -- node[weight, pos={places[i, j]:g}] "
            rf"(w{l}_{i}_{j}) {{${w}$}} (n{l}_{j});" for (i, j), w in names.items()]


_LABEL_HEIGHT = 0.3  # cm: a \scriptsize weight name, padded; more with sub- or superscripts
_ROOM = 0.25  # cm between two labels that is room enough: past it, the natural place wins


def _label_places(n_src: int, n_dst: int, names: dict[tuple[int, int], str],
                  grid: tuple[float, float, float]) -> dict[tuple[int, int], float]:
    """Where along its edge (0 at the source unit's border, 1 at the destination's) each
    weight's label goes, between ``_closest`` of either end.

    Each edge's natural place spreads one source's fan from near the source to near the
    destinations and interleaves the sources' fans (two destinations: every other source's
    labels near the destinations). Taken edge by edge, a label moves from its natural place
    only as far as it must to keep ``_ROOM`` from the labels already placed, then from the
    other edges, or else to the place with the most room from them: labels of crossing edges
    do not cover each other, nor, where there is room, another edge."""
    step, y_step, diameter = grid
    low = _closest(n_dst)
    candidates = [round(low + k * (1 - 2 * low) / 24, 4) for k in range(25)]
    slots = max(1, n_src * n_dst - 1)
    r = diameter / 2

    def point(i: int, j: int, p: float) -> tuple[float, float]:
        """The point at ``p`` along edge (i, j), from border to border as TikZ draws it."""
        y0, y1 = ((n_src - 1) / 2 - i) * y_step, ((n_dst - 1) / 2 - j) * y_step
        length = (step**2 + (y1 - y0) ** 2) ** 0.5
        ux, uy = step / length, (y1 - y0) / length
        return r * ux + p * (length - 2 * r) * ux, y0 + r * uy + p * (length - 2 * r) * uy

    along = [k / 40 for k in range(41)]
    placed: list[tuple[float, float, float, float]] = []  # each label's centre, half sizes
    places = {}
    for (i, j), name in names.items():
        natural = (0.25 if i % 2 == 0 else 0.72) if n_dst <= 2 else \
            0.2 + 0.6 * (j * n_src + i) / slots
        half = label_cm(f"${name}$", "scriptsize") / 2 + 0.03
        high = (_LABEL_HEIGHT + 0.1 * ("_" in name) + 0.12 * ("^" in name)) / 2
        lines = [point(a, b, q) for a, b in names if (a, b) != (i, j) for q in along]
        room = {}  # from the labels placed, then from the other edges, up to _ROOM
        for p in candidates:
            x, y = point(i, j, p)
            labels = [max(abs(x - px) - half - pw, abs(y - py) - high - ph)
                      for px, py, pw, ph in placed]
            edges = [max(abs(x - px) - half, abs(y - py) - high) for px, py in lines]
            room[p] = (min([*labels, _ROOM]), min([*edges, _ROOM]), -abs(p - natural))
        best = max(candidates, key=room.__getitem__)
        places[i, j] = best
        placed.append((*point(i, j, best), half, high))
    return places
