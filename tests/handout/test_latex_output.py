"""`chainrule derive --format latex` output compiles with real pdflatex."""

import subprocess

import pytest

from derive.render.document import render_latex, render_markdown
from derive.report import build
from derive.spec import examples, load

WRAPPER = r"""\documentclass{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\begin{document}
\input{fragment.tex}
\end{document}
"""


@pytest.mark.parametrize("name", sorted(examples()))
def test_latex_fragment_compiles(tmp_path, name):
    net = load(name)
    report = build(net, delta_only=net.n_params > 40, check=False)
    (tmp_path / "fragment.tex").write_text(render_latex(report))
    (tmp_path / "doc.tex").write_text(WRAPPER)
    run = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_markdown_math_blocks_are_balanced():
    text = render_markdown(build(load("or_gate"), wrt=["t_1"]))
    assert text.count("$$") % 2 == 0
    assert text.count("\\begin{aligned}") == text.count("\\end{aligned}") >= 3
    assert "\\frac{\\partial E}{\\partial t_{1}}" in text


@pytest.mark.parametrize("name", ["or_gate", "iris_4_3_2", "ibm_two_layer"])
def test_standalone_document_compiles_without_overfull_boxes(tmp_path, run, name):
    from codegen.latex import compile_pdf, overfull

    status, out, _ = run("derive", name, "--format", "latex", "--standalone")
    assert status == 0 and out.startswith("% chainrule derive") and "\\end{document}" in out
    log = compile_pdf(out, tmp_path / "derive.pdf")
    assert not [w for w in overfull(log) if w > 1.0], overfull(log)
    if name == "or_gate":
        assert "(2)\\enspace Gradient" in out and "from (1)" in out
    status, _, err = run("derive", name, "--standalone")
    assert status == 2 and "--format latex" in err


def test_softmax_network_function_is_a_fraction_in_every_format():
    import sympy as sp

    from derive.network import Dense, Network
    from derive.render.document import render_text
    from derive.render.forms import function_pairs
    from derive.render.handout import render

    report = build(load("iris_4_3_2"), wrt=["b2[0]"], check=False)
    m = report.model
    for form, whole in (("nested", m.network_function()),
                        ("expanded", [m.expand(a) for a in m.outputs])):
        outputs, where = function_pairs(m, form)
        assert [z for z, _ in where] == m.z[2]  # each pre-activation written once
        put_back = [e.xreplace(dict(where)) for _, e in outputs]
        assert all(sp.simplify(p - w) == 0 for p, w in zip(put_back, whole, strict=True))
    fraction = r"\frac{e^{z^{(2)}_{1}}}{e^{z^{(2)}_{1}} + e^{z^{(2)}_{2}}}"
    handout = render(load("iris_4_3_2"))
    function = handout.split("Nested, the intermediates")[1].split("The loss")[0]
    nested, expanded = function.split("Fully expanded")
    assert fraction in nested and "^{-1}" not in nested and "\\exp" not in function
    outputs = [row for row in function.splitlines() if row.startswith("a^{(2)}")]
    assert len(outputs) == 4 and all(r" &= \frac{e^{z^{(2)}_{" in row for row in outputs)
    assert function.count(r"\text{where}") == 2 and fraction in expanded
    for text in (render_latex(report), render_markdown(report)):
        nested = text.split("Nested")[1].split("Loss")[0]
        assert fraction in nested and r"\text{where}" in nested and "^{-1}" not in nested
    lines = render_text(report).splitlines()
    assert "  a⁽²⁾₂ = exp(z⁽²⁾₂)/(exp(z⁽²⁾₁) + exp(z⁽²⁾₂)), where" in lines
    assert lines[lines.index("Nested:") + 3].startswith("  z⁽²⁾₁ = w⁽²⁾₁₁·σ(w⁽¹⁾₁₁·x₁")
    # A short softmax output stays whole: its exponents fit in the fraction.
    tiny = build(Network(1, [Dense(2, "softmax")], loss="categorical_cross_entropy"),
                 check=False)
    assert r"\frac{e^{w^{(1)}_{11} \cdot x + b^{(1)}_{1}}}{e^{w^{(1)}_{11} \cdot x + " \
        in render_latex(tiny) and "where" not in render_latex(tiny)
