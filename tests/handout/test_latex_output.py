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
