"""The small drawing beside a derivation: the network with the target's paths to the loss.

Contract: ``drawable(model)`` says whether a network is small enough for these drawings (at
most ``MAX_WEIGHTS`` weights and ``MAX_UNITS`` units in every layer, or_gate-sized: a drawing
about 6 cm wide whose every path can be told apart). ``path_tikz(model, derivation)`` returns a
``tikzpicture`` (TikZ ``arrows.meta``) of the network, units labelled in the notation, edges
grey, a loss node at the right, and highlighted (thick, ``PATH`` colour): the derivation's
parameter (a weight's edge, labelled with its name; a bias's unit, its name beside it) or the
unit of its error term (filled), every edge from there on towards the outputs, and the edges
from the outputs it reaches into the loss. A unit reaches every unit of the next layer, and a
softmax output every output (each output shares its denominator). The chain rule's sum over
paths is exactly the highlighted edges: ``reached(model, derivation)`` returns them as data.
"""

from __future__ import annotations

from derive.derivation import Derivation
from derive.render.tikz import label_cm
from derive.symbolic import Model

MAX_WEIGHTS, MAX_UNITS = 12, 4
PATH = "red!75!black"
_X, _Y, _UNIT = 1.9, 0.8, 0.65  # least column and row distance, a unit's diameter (cm)

Edge = tuple[tuple[int, int], tuple[int, int]]  # ((layer, unit), (layer, unit)); loss: (L+1, 0)


def drawable(model: Model) -> bool:
    """Whether the network is small enough for a path drawing beside each derivation."""
    sizes = model.net.sizes
    weights = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    return weights <= MAX_WEIGHTS and max(sizes) <= MAX_UNITS


def _start(model: Model, derivation: Derivation) -> tuple[int, int, int | None]:
    """(layer, unit, input index or None) where the derivation's target enters the network."""
    if derivation.param is not None:
        return model.layer_of(derivation.param)
    key = model.canonical[derivation.target]  # an error term: delta{l}[j]
    head, _, rest = key.partition("[")
    return int(head.removeprefix("delta")), int(rest.rstrip("]")), None


def reached(model: Model, derivation: Derivation) -> tuple[set[tuple[int, int]], set[Edge]]:
    """(units, edges) on the target's paths to the loss, the start unit included."""
    sizes = model.net.sizes
    last = len(sizes) - 1
    l, j, i = _start(model, derivation)
    units = {(l, j)}
    edges: set[Edge] = {((l - 1, i), (l, j))} if i is not None else set()
    front = {j}
    for m in range(l + 1, last + 1):
        edges |= {((m - 1, a), (m, b)) for a in front for b in range(sizes[m])}
        front = set(range(sizes[m]))
        units |= {(m, b) for b in front}
    if not model.activation_of(last).elementwise:
        front = set(range(sizes[last]))  # softmax: z_j moves every output
        units |= {(last, b) for b in front}
    edges |= {((last, a), (last + 1, 0)) for a in front}
    return units, edges


def path_tikz(model: Model, derivation: Derivation) -> str:
    """The drawing (see the module docstring)."""
    net, names = model.net, model.names
    sizes = net.sizes
    last = len(sizes) - 1
    units, edges = reached(model, derivation)
    l0, j0, i0 = _start(model, derivation)
    labels = [names[f"x[{j}]" if l == 0 else f"a{l}[{j}]"].latex
              for l, n in enumerate(sizes) for j in range(n)]
    # a unit grows round a long name ((a_2)_1): rows and columns part as far as it needs
    size = max(_UNIT, *(label_cm(f"${t}$", "scriptsize") + 0.12 for t in labels))
    dy = max(_Y, size + 0.15)
    own = label_cm(f"${model.name(derivation.param).latex}$", "scriptsize") \
        if derivation.param is not None else 0.0
    dx = max(_X, size + 2.2 * own + 0.3)
    out = [r"\begin{tikzpicture}[>=Stealth, x=1cm, y=1cm, font=\scriptsize,",
           r"  u/.style={circle, draw=black!45, minimum size=6.5mm, inner sep=0.5pt, "
           r"fill=white},",
           rf"  on/.style={{draw={PATH}, very thick}},",
           r"  e/.style={->, black!30},",
           rf"  p/.style={{->, {PATH}, very thick}}]"]
    for l, n in enumerate(sizes):
        for j in range(n):
            key = f"x[{j}]" if l == 0 else f"a{l}[{j}]"
            style = "u" + (", on" if (l, j) in units else "")
            if (l, j) == (l0, j0) and derivation.param is None:
                style += f", fill={PATH}!15"
            label = ""
            if (l, j) == (l0, j0) and i0 is None and derivation.param is not None:
                bias = model.name(derivation.param).latex
                side = "above" if j <= (n - 1) / 2 else "below"
                label = rf", label={{[text={PATH}, inner sep=1pt]{side}:${bias}$}}"
            out.append(rf"\node[{style}{label}] (p{l}_{j}) at ({l * dx:.2f},"
                       rf"{((n - 1) / 2 - j) * dy:.2f}) {{${names[key].latex}$}};")
    loss = names["E"].latex
    out.append(rf"\node[draw=black!45, rounded corners, minimum size=6mm"
               rf"{', on' if edges else ''}] (p{last + 1}_0) at ({(last + 1) * dx:.2f},0) "
               rf"{{${loss}$}};")
    drawn = [((l - 1, a), (l, b)) for l in range(1, last + 1)
             for a in range(sizes[l - 1]) for b in range(sizes[l])]
    drawn += [((last, a), (last + 1, 0)) for a in range(sizes[last])]
    lit = []
    for (s, d) in drawn:
        line = rf"\draw[{'p' if (s, d) in edges else 'e'}] (p{s[0]}_{s[1]}) -- "
        if i0 is not None and (s, d) == ((l0 - 1, i0), (l0, j0)):
            weight = model.name(derivation.param).latex
            line += rf"node[fill=white, inner sep=0.5pt, text={PATH}, pos=0.45] {{${weight}$}} "
        line += rf"(p{d[0]}_{d[1]});"
        (lit if (s, d) in edges else out).append(line)
    out += lit  # highlighted edges drawn last, over the grey ones
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
