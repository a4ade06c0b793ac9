"""The committed handouts and exercise sheets read cleanly, checked on their LaTeX source.

Numbering runs without gaps (sections, questions, results, and every citation points back to a
result already shown); no caret or modifier circumflex is printed as text; each symbol has one
meaning on a sheet; the code listing beside the delta form is complete.
"""

import re
from pathlib import Path

import pytest

from codegen.cli.handout import DOCS
from derive.activations import ACTIVATIONS, get_activation
from derive.render.handout import EXPANDED_LIMIT, render
from derive.spec import examples, load
from derive.symbolic import Model

SHEETS = sorted(DOCS.glob("*.tex"))
# the module's arguments, and its activation helpers (sigmoid(z), …: each a documented
# function of the module, named after the registry entry it implements)
# Inputs, arguments and the module's helpers (one per activation, and the row log-sum-exp).
GIVEN = {"np", "p", "X", "Y", "grads", "scale", "n", "_logsumexp"} | set(ACTIVATIONS)


def _example(path: Path) -> str:
    return next(n for n in sorted(examples(), key=len, reverse=True)
                if path.stem == n or path.stem.startswith(n + "-"))


def _body(tex: str) -> str:
    return tex.split("\\begin{document}", 1)[1]


def _without_math(tex: str) -> str:
    """The sheet's text with every maths region and TikZ picture removed."""
    body = _body(tex)
    for env in ("align\\*", "tikzpicture", "equation\\*"):
        body = re.sub(rf"\\begin{{{env}}}.*?\\end{{{env}}}", " ", body, flags=re.S)
    body = re.sub(r"\\\[.*?\\\]", " ", body, flags=re.S)
    body = re.sub(r"\\\(.*?\\\)", " ", body, flags=re.S)
    return re.sub(r"(?<!\\)\$.*?(?<!\\)\$", " ", body, flags=re.S)


def test_there_are_sheets_to_check():
    assert len(SHEETS) >= 3 * len(examples())


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.name)
def test_numbering_is_consecutive_and_citations_point_back(path):
    tex = _body(path.read_text())
    sections = [int(n) for n in re.findall(r"\\section\*\{(\d+)\.\\ ", tex)]
    assert sections == list(range(1, len(sections) + 1)), sections
    items = re.findall(r"\\item\[\((\w)\)\]", tex)
    assert items == list("abcdefgh"[:len(items)]), items
    results = [int(n) for n in re.findall(r"\\subsection\*\{\((\d+)\)", tex)]
    assert results == list(range(1, len(results) + 1)), results
    shown: set[int] = set()
    for block in re.split(r"(?=\\subsection\*\{\(\d+\))", tex):
        head = re.match(r"\\subsection\*\{\((\d+)\)", block)
        cited = {int(n) for n in re.findall(r"from (?:\$[^$]*\$ )?\((\d+)\)", block)}
        cited |= {int(n) for n in re.findall(r", \((\d+)\)", block)}
        assert cited <= shown, (path.name, sorted(cited - shown))
        if head:
            shown.add(int(head.group(1)))


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.name)
def test_no_caret_printed_as_text(path):
    tex = path.read_text()
    assert "ˆ" not in tex
    text = _without_math(tex)
    assert "^" not in text.replace("\\textsuperscript", ""), re.findall(r".{30}\^.{10}", text)


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.name)
def test_each_symbol_has_one_meaning(path):
    tex = path.read_text()
    body = _body(tex)
    net = load(_example(path))
    m = Model(net)
    # the notation spells different things differently (X and A0 are one thing)
    spellings: dict[str, str] = {}
    for key, name in m.names.items():
        if key != "A0" and _one_thing(spellings.setdefault(name.latex, key), key, m) is False:
            raise AssertionError(f"{path.name}: {name.latex} means {spellings[name.latex]} "
                                 f"and {key}")
    # the targets are never the left side of a formula (Rostock: Z are the targets)
    for key in ["Y", *[f"y[{k}]" for k in range(len(net.targets))]]:
        y = re.escape(m.names[key].latex)
        assert not re.search(rf"(?<![\w{{\\]){y}\s*&?=\s*[A-Za-z\\]", body), (path.name, key)
    # no bias term where the network has none
    if not any(layer.bias for layer in net.layers):
        assert not re.search(r"\+\s*b\b", body), path.name
    # one spelling per activation: a notation that renames one never shows the other name
    for layer in net.layers:
        act = get_activation(layer.activation)
        spelt = m.notation.function(act).latex
        if spelt != act.latex:
            assert act.latex not in body, (path.name, act.latex, spelt)


def _one_thing(a: str, b: str, m: Model) -> bool:
    """Whether keys ``a`` and ``b`` name one thing: equal, or a one-entry vector and its entry
    (the one target Y and y[0], a one-unit bias b3 and b3[0])."""
    if a == b:
        return True
    whole, entry = sorted((a, b), key=lambda k: "[" in k)
    head = entry.split("[")[0]
    family = {"Y": "y", "X": "x"}.get(whole) or re.sub(
        r"^([ZAD])(\d+)$", lambda g: {"Z": "z", "A": "a", "D": "delta"}[g[1]] + g[2], whole)
    return head == family and sum(k.startswith(head + "[") for k in m.names) == 1


def _listing(tex: str) -> list[str]:
    part = tex.split("computes them line by line:", 1)
    if len(part) == 1:
        return []
    table = part[1].split("\\end{tabular}", 1)[0]
    lines = re.findall(r"\\texttt\{(.*)\} \\\\", table)
    return [line.replace("\\_", "_").replace("\\#", "#").replace("\\{", "{")
            .replace("\\}", "}").replace("\\^{}", "^") for line in lines]


def _names(line: str) -> tuple[set[str], set[str]]:
    """(names a statement assigns, names it reads)."""
    code = re.sub(r"\"[^\"]*\"|'[^']*'", "", line)
    assigned = set(re.findall(r"\bout=([A-Za-z_]\w*)", code))
    target = re.match(r"^([A-Za-z_]\w*)\s*[-+*/]?=(?!=)", code)
    if target:
        assigned.add(target.group(1))
    code = re.sub(r"\b\w+=(?!=)", "", code)  # keyword names
    code = re.sub(r"\.\w+", "", code)  # attributes
    read = set(re.findall(r"\b[A-Za-z_]\w*", code)) - {"sum", "max", "min", "abs", "range"}
    return assigned, read


def _complete(name: str, lines: list[str], params: set[str] = frozenset()) -> None:
    """Every name a listing line reads is assigned by an earlier line, or is a parameter
    (``params``: W1, b1, …), an input or an argument of the module's functions."""
    assigned: set[str] = set(params)
    for line in lines:
        out, read = _names(line)
        missing = read - assigned - GIVEN - out
        if target := re.match(r"^([A-Za-z_]\w*)\s*[-+*/]=", line):  # x += …: x read first
            missing |= {target.group(1)} - assigned - GIVEN
        assert not missing, f"{name}: {line!r} uses {sorted(missing)} before any line " \
                            "of the listing assigns it"
        assigned |= out


def _params(path: Path) -> set[str]:
    net = load(_example(path))
    return {f"{kind}{l}" for l in range(1, len(net.layers) + 1) for kind in ("W", "b")}


HANDOUTS = [p for p in SHEETS if p.stem in examples()]


@pytest.mark.parametrize("path", HANDOUTS, ids=lambda p: p.name)
def test_code_listing_is_complete(path):
    assert _listing(path.read_text()) or "codegen" not in path.read_text()
    _complete(path.name, _listing(path.read_text()), _params(path))


def test_the_listing_check_catches_a_missing_line():
    good = ['np.matmul(X, p["W1"], out=z1)', 'z1 += p["b1"]', "np.tanh(z1, out=a1)"]
    _complete("good", good)
    with pytest.raises(AssertionError, match="lse2"):
        _complete("bad", [*good, "np.subtract(a1, lse2, out=a2)"])
    with pytest.raises(AssertionError, match="rowsum"):
        _complete("bad", [*good, "a1 /= rowsum"])


@pytest.mark.parametrize("name", [n for n in sorted(examples())
                                  if load(n).n_params <= EXPANDED_LIMIT])
def test_the_parameter_map_lists_only_what_the_names_do_not_say(name):
    """A parameter whose name is its matrix entry but for the letters' case (keras:
    w⁽¹⁾₁₁ = W⁽¹⁾₁₁) is covered by one sentence with an example, there exactly when such a
    name exists; every other parameter whose name is not its entry is listed."""
    tex = (DOCS / f"{name}.tex").read_text().split("\\section*{The network}")[1]
    start = tex.index("\\end{center}\n") + len("\\end{center}\n")
    section = tex[start:tex.index("\n\n", start)]
    sentence, _, listed = section.partition("\\begin{align*}")
    model = Model(load(name))

    def plain(s: str) -> str:
        return re.sub(r"\\left|\\right|\\mathbf|[{} ]", "", s)

    cased = False
    for p in model.params:
        head, _, rest = model.canonical[p].partition("[")
        index = [int(i) + 1 for i in rest.rstrip("]").split(",")]
        if model.notation.convention == "column":
            index.reverse()
        scalar, entry = plain(model.name(p).latex), plain(model.names[head].latex)
        entry = f"({entry})" if "_" in entry else entry
        entry += "_" + ("," if max(index) > 9 else "").join(map(str, index))
        said = scalar in (entry, entry.lower())
        cased |= said and scalar != entry
        assert (f"{model.name(p).latex} = " in listed) != said, (name, p)
    assert ("in lower case is that entry" in sentence) == cased
    markdown = render(load(name), markdown=True)  # the same, a paragraph of its own
    assert ("in lower case is that entry" in markdown) == cased
    if cased:
        line = next(x for x in markdown.split("\n") if "in lower case is that entry" in x)
        assert f"\n{line}\n\n" in markdown
    if name in ("keras_2_4_4_1", "or_gate"):  # one of each kind
        assert cased == (name == "keras_2_4_4_1")
