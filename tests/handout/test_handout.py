"""Handouts: content, numbers, escaping, determinism, the committed copies, Markdown, Jupyter."""

import re
from pathlib import Path

import numpy as np
import pytest

from codegen.cli.handout import DOCS, sheets_of
from derive.errors import SpecError
from derive.numeric import evaluate
from derive.render.breaking import split, tex_width
from derive.render.escape import md_text, tex_text
from derive.render.handout import files, render
from derive.report import build
from derive.spec import examples, from_table, load


def test_not_gate_worked_example_matches_the_course():
    text = render(load("not_gate"))
    assert "a^{(1)} &= \\tanh\\left(z^{(1)}\\right) = 0.834" in text
    assert "$C_k = 0.696$" in text  # the course squares the rounded 0.834
    assert "float64: 0.6950" in text


def test_or_gate_shows_the_lecture_derivation_of_t1_with_rules():
    text = render(load("or_gate"), wrt=["t_1"])
    assert "Gradient $\\partial E / \\partial t_{1}$" in text
    assert ("\\frac{\\partial E}{\\partial t_{1}} &= 2 \\left(\\mathcal{N}_{xy} - z\\right) "
            "\\cdot \\mathcal{N}_{xy} \\left(1 - \\mathcal{N}_{xy}\\right) \\cdot w_{1z} \\cdot "
            "o_{1} \\left(1 - o_{1}\\right) && \\text{\\small substitution}") in text
    for rule in ("definition", "power rule", "sum rule",
                 "chain rule, $\\operatorname{sig}' = "
                 "\\operatorname{sig}(1 - \\operatorname{sig})$"):
        assert f"\\text{{\\small {rule}}}" in text
    assert "\\begin{tikzpicture}" in text and "$w_{x1}$" in text  # weights on the edges


def test_keras_parameter_table_and_default_subset():
    text = render(load("keras_2_4_4_1"))
    assert "Total & & 37 & 28 \\\\" in text
    assert "dense 2 (sigmoid) & (None, 4) & 20 & 16" in text
    # one weight and one bias per layer, plus the error terms they use
    assert text.count("\\enspace Gradient") == 6


def test_digits_is_summarised():
    text = render(load("digits"))
    assert "64 inputs" in text and "32 units" in text  # boxes, not 64 circles
    assert "64 \\times 32\\text{ entries" in text
    assert "logsumexp" in text and "\\delta = a - y" in text


def test_worked_gradients_agree_with_float64_evaluation():
    """The by-hand numbers (rounded at each step) stay close to derive.numeric's float64."""
    from derive.render.handout import reports
    from derive.render.worked import example_for, worked_example

    for name in ("or_gate", "ibm_two_layer", "iris_4_3_2", "tanh_layer_3_2"):
        net = load(name)
        _, full = reports(net)
        x, y, _ = example_for(net)
        work = worked_example(full, net.parameters(0), x, y, 0.1)
        exact = evaluate(net, work.params, [list(x)], [list(y)])
        assert work.by_hand
        assert abs(work.loss - exact["loss"]) < 0.01
        for key, grad in exact["gradients"].items():
            assert np.allclose(work.gradients[key], grad, atol=0.01), (name, key)


def test_stable_notes_follow_the_registries():
    assert r"\bigl(1 + \tanh(u/2)\bigr)/2" in render(load("or_gate"))  # the emitted form
    iris = render(load("iris_4_3_2"))
    assert "Softmax output with categorical cross-entropy" in iris
    assert "Numerically stable forms" not in render(load("not_gate"))  # tanh is stable as is


def test_exercises_blank_lines_and_solutions_fill_them():
    sheets = files(load("or_gate"), exercises=True)
    assert set(sheets) == {"or_gate.tex", "or_gate-questions.tex", "or_gate-solutions.tex"}
    questions, solutions = sheets["or_gate-questions.tex"], sheets["or_gate-solutions.tex"]
    assert questions.count("\\blank") > 9 and "\\blank" not in sheets["or_gate.tex"].split(
        "\\begin{document}")[1]
    assert "\\color{solution}" in solutions and "\\color{solution}" not in questions
    # fresh seeded numbers, not the handout's
    assert "these fresh parameters" in questions
    assert files(load("or_gate"), exercises=True) == sheets  # deterministic


def test_question_sheet_defines_its_symbols_and_letters_its_questions_in_order():
    sheets = files(load("or_gate"), exercises=True)
    questions = sheets["or_gate-questions.tex"]
    assert "\\begin{tikzpicture}" in questions  # the drawing
    assert "i_{1} &= w_{x1} \\cdot x + w_{y1} \\cdot y" in questions  # the network function
    assert "w_{x1} = W^{(1)}_{11}" in questions and "t_{z} = \\mathbf{t}^{(2)}_{1}" in questions
    assert "for every parameter $\\theta$" in questions  # ∂E/∂θ is defined
    items = re.findall(r"\\item\[\((\w)\)\]", questions)
    assert items == list("abcd")  # or_gate has no error terms: still (a)–(d), consecutive
    iris = files(load("iris_4_3_2"), exercises=True)["iris_4_3_2-questions.tex"]
    assert re.findall(r"\\item\[\((\w)\)\]", iris) == list("abcde")


def test_blank_levels_parts_variants_and_answers(run, tmp_path):
    net = load("or_gate")
    results = files(net, exercises=True, blank=["results"])["or_gate-questions.tex"]
    assert results.count("&= \\blank") == 9  # one per derivation: the result
    every = files(net, exercises=True, blank=["all"])["or_gate-questions.tex"]
    assert every.count("\\blank") > results.count("\\blank")
    only = files(net, exercises=True, blank=["gradients"])["or_gate-questions.tex"]
    assert "Complete the derivations" not in only
    assert re.findall(r"\\item\[\((\w)\)\]", only) == ["a"] and "gradient" in only
    sheets = files(net, variants=2, answers=True)
    assert sorted(sheets) == sorted(["or_gate.tex"] + [f"or_gate-{s}-v{k}.tex" for k in (1, 2)
                                                       for s in ("questions", "solutions",
                                                                 "answers")])
    v1, v2 = sheets["or_gate-questions-v1.tex"], sheets["or_gate-questions-v2.tex"]
    assert v1 != v2  # each variant its own numbers ...
    given = v2.split("these fresh parameters")[1].split("\\end{align*}")[0]
    assert given in sheets["or_gate-solutions-v2.tex"]  # ... and its own solutions
    answers = sheets["or_gate-answers-v1.tex"]
    assert "&= \\blank" not in answers and "power rule" not in answers
    assert "2 \\left(\\mathcal{N}_{xy} - z\\right)" in answers
    status, _, err = run("handout", "or_gate", "--blank", "most", "--exercises",
                         "-o", str(tmp_path))
    assert status == 2 and "--blank does not know most" in err
    status, _, err = run("handout", "or_gate", "--answers", "-o", str(tmp_path))
    assert status == 2 and "--exercises" in err
    assert list(tmp_path.iterdir()) == []


def test_spec_text_cannot_inject_tex():
    evil = r"Oops \input{/etc/passwd} \write18{rm -rf /} { unbalanced $ & % # _ ^ ~"
    assert "\\input" not in tex_text(evil) and "\\write18" not in tex_text(evil)
    assert tex_text("{").count("\\{") == 1 and "$" not in tex_text("a$b").replace("\\$", "")
    assert "\\$" in md_text("$x$") and "&lt;script" in md_text("<script>")
    for bad in (r"\input", "x{", "a b", "x}"):
        with pytest.raises(SpecError):
            from_table({"inputs": [bad], "layers": [{"units": 1}]})


def test_breaking_keeps_lines_within_width():
    net = load("keras_2_4_4_1")
    m = build(net, wrt=["b3[0]"], check=False).model
    from derive.render.breaking import BreakingTexPrinter

    marked = BreakingTexPrinter(m).doprint(m.network_function()[0])
    lines = split(marked, 60, 57)
    assert len(lines) > 5
    assert all(tex_width(line) <= 62 for line in lines)
    assert all(line.count("{") == line.count("}") for line in lines)


def test_markdown_handout_is_katex_friendly(run):
    status, out, err = run("handout", "or_gate", "--format", "markdown", "-o", "/dev/null/x")
    assert status == 2 and "cannot write" in err
    text = render(load("or_gate"), markdown=True)
    assert text.count("$$") % 2 == 0 and "\\blank" not in text and "tikz" not in text
    assert "| **Total** | | **9** | **6** |" in text
    q = render(load("or_gate"), sheet="questions", markdown=True)
    assert "\\underline{\\hspace{14em}}" in q and "\\blank" not in q


def test_cli_writes_tex_and_refuses_bad_input(run, tmp_path):
    status, out, _ = run("handout", "not_gate", "-o", str(tmp_path))
    assert status == 0 and (tmp_path / "not_gate.tex").exists()
    status, _, err = run("handout", "not_gate", "--wrt", "nope", "-o", str(tmp_path))
    assert status == 2 and err.startswith("chainrule: no parameter 'nope'")
    status, _, err = run("handout", "-o", str(tmp_path))
    assert status == 2 and "--all" in err


def test_output_names_a_folder_or_one_sheets_file(run, tmp_path):
    status, out, _ = run("handout", "not_gate", "-o", str(tmp_path / "week3.tex"))
    assert status == 0 and out.strip() == f"wrote {tmp_path / 'week3.tex'}"
    assert "\\documentclass" in (tmp_path / "week3.tex").read_text()
    status, _, _ = run("handout", "not_gate", "--format", "markdown", "-o", str(tmp_path / "w.md"))
    assert status == 0 and "\n# Backpropagation by hand" in (tmp_path / "w.md").read_text()
    for args, says in ((["--exercises", "-o", "a.tex"], "writes several sheets; give -o a folder"),
                       (["-o", "a.pdf"], "give -o a .tex name, and --pdf writes the .pdf"),
                       (["--format", "markdown", "-o", "a.tex"], "give -o a .md name")):
        args[-1] = str(tmp_path / args[-1])
        status, out, err = run("handout", "not_gate", *args)
        assert status == 2 and says in err and len(err.splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.md", "week3.tex"]
    status, _, _ = run("handout", "not_gate", "-o", str(tmp_path / "Week4.TEX"))
    assert status == 0 and (tmp_path / "Week4.TEX").is_file()
    (tmp_path / "old.tex").mkdir()  # a folder of that name exists: it is the folder
    status, _, _ = run("handout", "not_gate", "-o", str(tmp_path / "old.tex"))
    assert status == 0 and (tmp_path / "old.tex" / "not_gate.tex").is_file()


@pytest.mark.parametrize("name", sorted(examples()))
def test_committed_handouts_are_fresh(name):
    """docs/handouts holds what `python -m codegen.regenerate` makes, byte for
    byte; regenerate after changing a renderer or an example."""
    for file, text in sheets_of([name], exercises=True).items():
        committed = DOCS / file
        assert committed.exists(), f"{file} missing; run python -m codegen.regenerate"
        assert committed.read_bytes() == text.encode("utf-8"), f"{file} is stale; regenerate"
        assert Path(committed.with_suffix(".pdf")).exists()


def test_a_deep_networks_nested_form_is_left_out_with_a_reason():
    from derive.network import Dense, Network
    from derive.render.document import NESTED_LIMIT, nested_size

    deep = Network(inputs=3, layers=[Dense(3, "sigmoid")] * 8)
    shallow = Network(inputs=3, layers=[Dense(3, "sigmoid")] * 2)
    assert nested_size(build(deep, delta_only=True).model) > NESTED_LIMIT
    for markdown in (False, True):
        assert f"has over {NESTED_LIMIT} symbols per output" in render(deep, markdown=markdown)
        text = render(shallow, markdown=markdown)
        assert "Nested, the intermediates put back in" in text
        assert "symbols per output" not in text


@pytest.mark.parametrize("name", sorted(examples()))
def test_numbered_targets_pair_with_the_outputs_of_their_number(name):
    """A target y_k (or d_k) sits beside output unit k in the loss: both counted from 1."""
    net = load(name)
    for k, target in enumerate(net.targets, start=1):
        number = re.search(r"(\d+)$", target)
        assert number is None or int(number.group(1)) == k, (name, target, k)


def test_digits_targets_and_outputs_share_their_index(run):
    text = render(load("digits"))
    assert r"-y_{1} \cdot \ln\left(a^{(2)}_{1}\right)" in text
    assert r"y_{10} \cdot \ln\left(a^{(2)}_{10}\right)" in text
    assert "d_{0}" not in text
    status, out, _ = run("derive", "digits", "--delta")
    assert status == 0 and "− y₁₀·ln(a⁽²⁾₁₀)" in out  # two-digit indices subscripted in text


@pytest.mark.parametrize("name", ["or_gate", "ibm_two_layer", "tanh_layer_3_2", "softmax"])
def test_path_drawings_light_exactly_the_units_the_target_moves(name):
    """The highlighted units of each derivation's drawing are the units whose output depends
    on the parameter (derive's own dependency sets), each lit edge ends in a lit unit or the
    loss, and every sheet that derives draws one per derivation, small networks only."""
    from derive.network import Dense, Network
    from derive.render.paths import drawable, reached

    net = Network(2, [Dense(2, "tanh"), Dense(2, "softmax")],
                  loss="categorical_cross_entropy") if name == "softmax" else load(name)
    report = build(net, check=False)
    m = report.model
    assert drawable(m)
    last = len(net.layers)
    for d in report.sequence:
        units, edges = reached(m, d)
        if d.param is not None:
            moved = {(l, j) for l in range(1, last + 1) for j in range(net.sizes[l])
                     if m.depends(m.a[l][j], d.param)}
            assert units == moved, (name, d.param)
        assert all(dst in units or dst == (last + 1, 0) for _, dst in edges)
        assert sum(dst == (last + 1, 0) for _, dst in edges) >= 1  # it reaches the loss
    from derive.render.handout import reports

    shown, _ = reports(net)  # the derivations the handout shows
    assert render(net).count("on/.style={draw=red!75!black") == len(shown.sequence)
    assert "red!75!black" not in render(load("iris_4_3_2"))  # 18 weights: too many to draw
