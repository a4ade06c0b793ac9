"""The deeplearning.ai notation: W^[l], b^[l], Z^[l], A^[l], dZ^[l], m examples in columns."""

import pytest

from codegen.latex import compile_pdf
from derive import derive_report, load_spec
from derive.network import Dense, Network
from derive.render.handout import render


def test_ng_delta_form_reads_as_the_course_writes_it(run):
    status, out, _ = run("derive", "iris_4_3_2", "--notation", "ng", "--delta")
    assert status == 0
    assert "Delta form (column convention, m examples in columns):" in out
    for line in ("Z^[1] = W^[1]X + b^[1]", "dZ^[2] = (1/m) (A^[2] − Y)",
                 "∂J/∂W^[2] = dZ^[2]A^[1]ᵀ", "∂J/∂b^[2] = dZ^[2] 1",
                 "dZ^[1] = W^[2]ᵀdZ^[2] ⊙ (A^[1] ⊙ (1 − A^[1]))", "∂J/∂W^[1] = dZ^[1]Xᵀ"):
        assert f"  {line}\n" in out, line


def test_ng_scalar_names_and_latex_compile(tmp_path):
    report = derive_report(load_spec("xor_gate"), notation="ng", wrt=["W1[0,1]"])
    text = report.to_text()
    assert "∂J/∂w^[1]₂₁" in text  # W1[0,1]: input 1 → unit 2, written row 2, column 1
    assert "z^[1]₂ = w^[1]₂₁·x₁ + w^[1]₂₂·x₂ + b^[1]₂" in text and "Verified:" in text
    mean = derive_report(load_spec("iris_4_3_2"), notation="ng", delta_only=True).to_latex()
    body = report.to_latex() + mean
    assert r"\mathrm{d}Z^{[2]}" in body and r"\frac{1}{m}" in mean
    document = ("\\documentclass{article}\\usepackage{amsmath}\\usepackage{amssymb}"
                "\\usepackage{bm}\\begin{document}\n" + body + "\\end{document}\n")
    pdf = tmp_path / "ng.pdf"
    compile_pdf(document, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("notation, said", [
    ("default", "$w^{(1)}_{12}$ runs from input $x_{1}$ to unit 2 of the first layer"),
    ("rostock", "$w_{x_{1},2}$ runs from input $x_{1}$ to unit 2 of the first layer"),
    ("coursera", "$w^{(1)}_{21}$ runs from input $a^{(0)}_{1}$ to unit 2 of the first layer"),
    ("ibm", "$(W_{1})_{12}$ runs from input $x_{1}$ to unit 2 of the first layer"),
    ("ng", "$w^{[1]}_{21}$ runs from input $x_{1}$ to unit 2 of the first layer"),
])
def test_every_handout_says_which_way_its_weights_run(notation, said):
    net = Network(inputs=2, layers=[Dense(2, "sigmoid"), Dense(1, "sigmoid")],
                  notation=notation)
    line = next(t for t in render(net, markdown=True).splitlines() if "parameters ·" in t)
    assert line.endswith(said)
