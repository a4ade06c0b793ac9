"""Every handout and exercise sheet compiles with real pdflatex, with no box overfull by > 1pt:
the built-in examples' and those of networks hypothesis draws, in every notation."""

import functools
import itertools
import json
import re

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from strategies import networks

from codegen.cli.handout import sheets_of
from codegen.latex import compile_pdf, latex_error, overfull
from derive.errors import ChainruleError
from derive.network import Dense, Network
from derive.notation import NOTATIONS
from derive.render.handout import files
from derive.render.tikz import network_tikz
from derive.spec import examples, load
from derive.symbolic import Model

KINDS = ("", "-questions", "-solutions")
SHEETS = [f"{name}{kind}.tex" for name in examples() for kind in KINDS]


@functools.cache
def _sheets(name: str) -> dict[str, str]:
    """The sheets ``chainrule handout NAME --exercises`` writes, built once per test process."""
    return sheets_of([name], exercises=True)


@pytest.mark.parametrize("sheet", SHEETS)
def test_sheet_compiles_without_overfull_boxes(tmp_path, sheet):
    name = sheet.removesuffix(".tex").removesuffix("-questions").removesuffix("-solutions")
    assert sorted(_sheets(name)) == sorted(f"{name}{kind}.tex" for kind in KINDS)
    pdf = tmp_path / sheet.replace(".tex", ".pdf")
    log = compile_pdf(_sheets(name)[sheet], pdf)
    assert pdf.stat().st_size > 5000
    too_wide = [w for w in overfull(log) if w > 1.0]
    assert not too_wide, f"{sheet}: overfull boxes {too_wide}pt"


def test_injection_through_a_spec_is_escaped_and_compiles(tmp_path):
    spec = {"name": "evil", "inputs": ["x_1", "x_2"], "layers": [{"units": 1,
                                                                    "activation": "sigmoid"}],
            "description": r"\input{/etc/passwd} \write18{touch pwned} } { $ & % # _ ^ ~ \ "
                           "— ünïcödé →"}
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(spec))
    tex = files(load(str(path)))["evil.tex"]
    assert r"\input{/etc/passwd}" not in tex and r"\write18{" not in tex
    log = compile_pdf(tex, tmp_path / "evil.pdf")
    assert (tmp_path / "evil.pdf").exists() and "passwd" not in log.split("(./handout.tex")[-1]
    assert not (tmp_path / "pwned").exists()


def test_latex_failure_is_one_line_with_the_line_number(tmp_path):
    bad = "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n\\end{document}\n"
    with pytest.raises(ChainruleError) as info:
        compile_pdf(bad, tmp_path / "bad.pdf")
    message = str(info.value)
    assert "line 3" in message and "Undefined control sequence" in message
    assert "\n" not in message and not (tmp_path / "bad.pdf").exists()
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_latex_error_parses_classic_logs():
    assert latex_error("! Missing $ inserted.\n<inserted text>\nl.42 x^2") == \
        "line 42: Missing $ inserted."


@pytest.mark.parametrize("notation", sorted(NOTATIONS))
@settings(max_examples=3, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking compiles for minutes
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(net=networks(depths=(1, 5), trainable=False))
def test_drawn_networks_compile_clean_in_every_notation(tmp_path, notation, net):
    try:
        sheets = files(net, notation, exercises=True)
    except ChainruleError:  # a notation may refuse a network whose names it cannot spell
        assume(False)
    for name in (f"{net.name}.tex", f"{net.name}-questions.tex"):
        log = compile_pdf(sheets[name], tmp_path / name.replace(".tex", ".pdf"))
        too_wide = [w for w in overfull(log) if w > 1.0]
        assert not too_wide, f"{notation} {net.sizes}: overfull boxes {too_wide}pt in {name}"


def _net(sizes, kind="weighted_sum", inputs=None):
    hidden = [Dense(n, "tanh", True, kind) for n in sizes[1:-1]]
    return Network(inputs=inputs or sizes[0], layers=hidden + [Dense(sizes[-1], "sigmoid")])


# Drawings of every shape a handout draws, to well past the depths of its examples: labelled
# chains and small nets (weights on the edges), plain columns, summary boxes, long captions.
DRAWINGS = {
    "or-like 2-2-2-1": ("rostock", _net([2, 2, 2, 1])),
    "ibm-like 2-3-1": ("ibm", _net([2, 3, 1])),
    "fans 2-4-1": ("default", _net([2, 4, 1])),
    "fans 3-3-1": ("ng", _net([3, 3, 1])),
    "fans 4-2-1": ("rostock", _net([4, 2, 1])),
    "chain of 6": ("default", _net([1] * 7)),
    "chain of 12": ("ibm", _net([1] * 13)),  # 12 weights: too many layers for their labels
    "3 wide, 5 deep": ("ng", _net([3] * 6)),
    "3 wide, 8 deep": ("coursera", _net([2] + [3] * 7 + [1])),
    "3 wide, 12 deep": ("default", _net([3] * 13)),
    "squared distance, 6 deep": ("default", _net([2] + [3] * 5 + [1], "squared_distance")),
    "boxes, 6 deep": ("default", _net([8] * 6 + [1])),
    "boxes and units": ("default", _net([64, 3, 8, 3, 10, 1])),
    "long input names": ("default", _net([2, 3, 3, 3, 1],
                                         inputs=["temperature", "humidity"])),
}
# the drawings with few enough weights for their names on the edges
LABELLED_DRAWINGS = ("or-like 2-2-2-1", "ibm-like 2-3-1", "fans 2-4-1", "fans 3-3-1",
                     "fans 4-2-1", "chain of 6")
_NAMED = re.compile(r"\\node\[.*?\] \(([A-Za-z0-9_]+)\) at|node\[weight[^\]]*\] \((w[0-9_]+)\)")


def _with_probes(tikz: str) -> str:
    """``tikz`` typing out the left, right, bottom and top edge (pt) of every named node."""
    names = [a or b for a, b in _NAMED.findall(tikz)]
    probes = "".join(
        rf"\pgfextractx{{\dimen0}}{{\pgfpointanchor{{{n}}}{{west}}}}"
        rf"\pgfextractx{{\dimen2}}{{\pgfpointanchor{{{n}}}{{east}}}}"
        rf"\pgfextracty{{\dimen4}}{{\pgfpointanchor{{{n}}}{{south}}}}"
        rf"\pgfextracty{{\dimen6}}{{\pgfpointanchor{{{n}}}{{north}}}}"
        rf"\typeout{{NODE {n} \the\dimen0 \space\the\dimen2 \space\the\dimen4 \space"
        rf"\the\dimen6}}" + "\n" for n in names)
    return tikz.replace(r"\end{tikzpicture}", probes + r"\end{tikzpicture}")


@pytest.mark.parametrize("shape", sorted(DRAWINGS))
def test_deep_drawings_fit_the_page_without_overlaps(tmp_path, shape):
    """The drawing, in the handout's own preamble and frame, compiles with no overfull box,
    and pdflatex's own node positions show no two neighbouring columns, captions, or a weight
    label and the units of its edge, overlapping."""
    notation, net = DRAWINGS[shape]
    sheet = _sheets("or_gate")["or_gate.tex"]
    head, rest = sheet.split(r"\begin{tikzpicture}", 1)
    tail = rest.split(r"\end{tikzpicture}", 1)[1].split(r"\end{center}", 1)[0]
    tikz = network_tikz(Model(net, notation))
    doc = head + _with_probes(tikz) + tail + "\\end{center}\n\\end{document}\n"
    log = compile_pdf(doc, tmp_path / "drawing.pdf")
    assert not [w for w in overfull(log) if w > 1.0], f"{shape}: overfull {overfull(log)}pt"
    found = re.findall(r"NODE (\S+) " + " ".join([r"(-?[\d.]+)pt"] * 4), log)
    box = {n: (float(a), float(b)) for n, a, b, _, _ in found}
    tall = {n: (float(c), float(d)) for n, _, _, c, d in found}
    layers = len(net.sizes)
    assert len([n for n in box if n.startswith("c")]) == layers  # every caption measured
    for l in range(layers):  # a column's units one above the other, its caption below them
        units = [n for n in tall if re.fullmatch(rf"(n{l}_\d+|L{l})", n)]
        for upper, lower in zip(units, units[1:], strict=False):
            assert tall[upper][0] > tall[lower][1], (shape, upper, lower)
        assert tall[units[-1]][0] > tall[f"c{l}"][1], (shape, "caption", l)
    for l in range(1, layers):
        left = [v for n, v in box.items() if re.fullmatch(rf"(n{l - 1}_\d+|L{l - 1})", n)]
        right = [v for n, v in box.items() if re.fullmatch(rf"(n{l}_\d+|L{l})", n)]
        assert max(b for _, b in left) < min(a for a, _ in right), (shape, l)
        assert box[f"c{l - 1}"][1] < box[f"c{l}"][0], (shape, "captions", l)
        for name, (a, b) in box.items():
            if m := re.fullmatch(rf"w{l}_(\d+)_(\d+)", name):
                assert box[f"n{l - 1}_{m[1]}"][1] <= a and b <= box[f"n{l}_{m[2]}"][0], \
                    (shape, name)
    labelled = [n for n in box if n.startswith("w")]
    assert bool(labelled) == (shape in LABELLED_DRAWINGS), shape
    for a, b in itertools.combinations(labelled, 2):  # no weight label covers another
        apart = box[a][1] <= box[b][0] or box[b][1] <= box[a][0] or \
            tall[a][1] <= tall[b][0] or tall[b][1] <= tall[a][0]
        assert apart, (shape, a, b)


@pytest.mark.parametrize("sheet", ["or_gate.tex", "or_gate-questions.tex", "ibm_two_layer.tex",
                                   "keras_2_4_4_1.tex", "keras_2_4_4_1-solutions.tex"])
def test_no_derivation_is_split_across_pages(tmp_path, sheet):
    """Each derivation's heading, drawing and lines share a page, and the first one's section
    heading goes with it: pdflatex writes, as it ships each page out, the page of every
    derivation's heading and of its last line, and of the section's heading."""
    name = sheet.removesuffix(".tex").removesuffix("-questions").removesuffix("-solutions")
    sheet = _sheets(name)[sheet]
    heading, last = "\\subsection*{(", "\n\\end{align*}\n}\\together"
    count = sheet.count(last)
    assert count >= 3 and sheet.count("\\setbox\\derivation") == count
    assert sheet.count(heading) == count
    probed = sheet.replace(heading, heading + "\\write16{BEGINS \\thepage}")
    probed = probed.replace(last, "\\text{\\write16{ENDS \\thepage}}" + last)
    first = "\\section*{"
    assert probed.count(first) >= 2
    start = probed.index(first, probed.index("\\setbox\\derivation"))
    probed = probed[:start] + first + "\\write16{SECTION \\thepage}" + probed[start + len(first):]
    log = compile_pdf(probed, tmp_path / "probed.pdf")
    begins = [int(p) for p in re.findall(r"^BEGINS (\d+)", log, re.M)]
    ends = [int(p) for p in re.findall(r"^ENDS (\d+)", log, re.M)]
    assert len(begins) == len(ends) == count
    assert begins == ends, f"{name}: derivations start on pages {begins}, end on {ends}"
    assert len(set(begins)) > 1  # the derivations do run over several pages
    section = [int(p) for p in re.findall(r"^SECTION (\d+)", log, re.M)]
    assert section == begins[:1]
