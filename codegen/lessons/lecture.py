"""The lessons put to a lecture: a handout's training section and the pictures of
docs/lessons.md.

Contract: ``handout_data(net)`` returns the training section of ``handout SPEC --lessons``
as plain data for ``derive.render.handout`` — ``plots``, each ``{file, title, sentences}``
with two sentences a lecturer would say about it, numbers filled in; a title and each
sentence are lists of parts, plain text or ``{"math": LaTeX}`` (the notation's symbols) —
and its PNGs (file name → bytes): the landscape over the output layer's first weight and
bias with its descent path, the loss per epoch of the spec's training, and for two inputs
the decision boundary. ``LESSON`` lists the pictures of docs/lessons.md, each made by the
same functions the commands call (``pictures()``: file name → PNG bytes);
``regenerate(directory)`` writes them atomically and is part of
``python -m codegen.regenerate``. Everything is seeded: the same code gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from codegen.files import write_all
from codegen.lessons import network as nw
from codegen.lessons import plots
from codegen.lessons.descent import behaviour, descent
from codegen.lessons.landscape import landscape
from codegen.lessons.search import search
from codegen.lessons.training import train
from derive.network import Network

DOCS = Path(__file__).resolve().parents[2] / "docs" / "lessons"


def _png(fig) -> bytes:
    try:
        return plots.figure_bytes(fig, ".png")
    finally:
        plots.close({"figure": fig})


def _output_pair(net: Network) -> list[str]:
    """The output layer's first weight and, if it has one, its bias (else the second weight)."""
    last = len(net.layers)
    keys = [k for k in net.param_entries() if k.startswith((f"W{last}[", f"b{last}["))]
    bias = [k for k in keys if k.startswith("b")]
    return [keys[0], bias[0] if bias else keys[1]]


def _math(latex: str) -> dict:
    return {"math": latex}


def handout_data(net: Network) -> tuple[dict, dict[str, bytes]]:
    """The training section's data and its PNGs (see the module docstring)."""
    s = nw.setting(net)
    sym = {k: _math(s.names[k].latex) for k in s.names}
    cost = _math(s.names["E"].latex.removesuffix("_k"))
    w, b = _output_pair(net)
    L = landscape(s, [w, b])
    t = L.trace
    T = train(s)
    name = net.name
    items = [(f"{name}_lesson_landscape.png", plots.landscape_figure(L),
              ["The cost ", cost, " over ", sym[w], " and ", sym[b]],
              [["Each contour joins the values of ", sym[w], " and ", sym[b], " that cost "
                "the same; the arrows point straight downhill, perpendicular to the "
                "contours, along ", _math(r"-\nabla " + cost["math"]),
                " from the derived gradients."],
               ["Gradient descent follows them from ", cost, f" = {t.values[0]:.4g} to "
                f"{t.values[-1]:.4g} in {len(t.points) - 1} steps of ",
                _math(rf"\varepsilon = {L.rate:g}"),
                f"; it {behaviour(t.points, t.values, t.stopped)}."]]),
             (f"{name}_lesson_loss.png", plots.history_figure(T), ["The loss per epoch"],
              [[f"Training with the generated module takes the loss from {T.history[0]:.4g} "
                f"after the first epoch to {T.history[-1]:.4g} after {len(T.history)}."],
               ["A curve that flattens says the network learns no more at this rate; one "
                "that rises says the steps are too long."]])]
    if T.boundary is not None:
        share = "" if T.accuracy is None else f" ({T.accuracy:.0%} of the points right)"
        items.append((f"{name}_lesson_boundary.png", plots.boundary_figure(name, T.boundary),
                      ["What the trained network has learned"],
                      [["The colour is the network's output over the plane of the two "
                        f"inputs; the black line, where it is 0.5, separates the "
                        f"classes{share}."],
                       ["Points on the wrong side are the training examples the network "
                        "still gets wrong."]]))
    files = {file: _png(fig) for file, fig, _, _ in items}
    data = {"plots": [{"file": file, "title": title, "sentences": sentences}
                      for file, _, title, sentences in items]}
    return data, files


def _descent(function, x0, rates, steps, clip=None):
    return lambda: plots.descent_figure(descent(function, x0, rates, steps, clip))


def _landscape(spec, names, **options):
    return lambda: plots.landscape_figure(landscape(nw.setting(spec), names, **options))


def _search(spec, names):
    return lambda: plots.search_figure(search(nw.setting(spec), names))


def _training(spec, kind, **options):
    def draw():
        figures = plots.training_figures(train(nw.setting(spec), **options))
        chosen = figures.pop(kind)
        plots.close(figures)
        return chosen
    return draw


# file name → how it is drawn; docs/lessons.md shows each with the command that makes it.
LESSON = {
    "descent_x2.png": _descent("x**2", ["-4"], ["0.8", "0.7", "0.2", "1.1"], 10),
    "descent_clip.png": _descent("x**4", ["3"], ["0.1"], 20, "5"),
    "descent_2d.png": _descent("x**2 + 10*y**2", ["-4", "1"], ["0.04", "0.09"], 30),
    "not_gate_landscape.png": _landscape("not_gate", ["w1", "b1"]),
    "keras_landscape_momentum.png": _landscape("keras_2_4_4_1", ["W3[0,0]", "b3[0]"],
                                               path="momentum", rate=2.0, steps=100),
    "not_gate_search.png": _search("not_gate", ["w1", "b1"]),
    "keras_loss.png": _training("keras_2_4_4_1", "loss"),
    "keras_boundary.png": _training("keras_2_4_4_1", "boundary"),
    "keras_rates.png": _training("keras_2_4_4_1", "rates", epochs=200,
                                 compare_rates=[0.05, 0.5, 5.0]),
    "keras_momentum.png": _training("keras_2_4_4_1", "momentum", compare_momentum=True),
    "keras_batch.png": _training("keras_2_4_4_1", "batch", epochs=200, compare_batch=True),
}


def picture(name: str) -> bytes:
    """The PNG bytes of one picture of docs/lessons.md."""
    return _png(LESSON[name]())


def pictures() -> dict[str, bytes]:
    """File name → PNG bytes of every picture of docs/lessons.md."""
    return {name: picture(name) for name in LESSON}


def regenerate(directory: Path = DOCS) -> list[Path]:
    """Write the pictures of docs/lessons.md into ``directory``; return the paths."""
    return write_all(directory, pictures())
