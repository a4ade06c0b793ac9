"""The Python API: one import each for derive and codegen, and reports that print themselves."""

import json

import numpy as np

from codegen import check_module, compare_methods, emit_module
from derive import Dense, Network, derive_report, load_spec
from derive.render.document import render_latex, render_markdown, render_text


def test_report_renders_itself_in_every_format():
    report = derive_report(load_spec("or_gate"), wrt=["t_1"])
    assert str(report) == report.to_text() == render_text(report)
    assert report.to_latex() == render_latex(report)
    assert report.to_markdown() == render_markdown(report) == report._repr_markdown_()
    assert [e["parameter"] for e in json.loads(report.to_json())] == ["t_1"]
    assert "Verified: each result" in str(report)


def test_jupyter_latex_shows_the_complete_report_not_the_handout():
    report = derive_report(load_spec("or_gate"), wrt=["t_1"])
    latex = report._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert "o_{1} &= " in latex  # the network function, one definition per unit
    assert "E &= " in latex and "\\partial t_{1}" in latex  # the loss and the derivation
    assert "\\text{Verified: each result" in latex
    assert "\\Delta^{(2)} &= " in latex  # the delta form
    for shown in (latex, report._repr_markdown_()):
        assert "edit the spec" not in shown and "Backpropagation by hand" not in shown


def test_network_shows_its_report():
    net = Network(inputs=1, layers=[Dense(1, "sigmoid")], loss="squared_error", name="tiny")
    text = str(net)
    assert text.startswith("tiny: 1 → 1, 2 parameters") and "Verified:" in text
    assert net.to_markdown().startswith("# tiny") and "Verified:" in net._repr_latex_()
    assert len(json.loads(net.to_json())) == 2
    wide = load_spec("digits")  # beyond the scalar limit: the delta form alone
    assert "Delta form" in str(wide) and "Verified" not in str(wide)


def test_codegen_api_emits_checks_and_compares(tmp_path):
    net = load_spec("xor_gate")
    source = emit_module(net, tmp_path / "xor.py")
    assert (tmp_path / "xor.py").read_text() == source and "def train(" in source
    report = check_module(net)
    assert report.ok and all(t.complex_step is not None for t in report.tensors)
    comparison = compare_methods(net, sweep=False)
    ref = comparison.method("mpmath, 50 digits (reference)").gradient
    ours = comparison.method("generated NumPy module").gradient
    assert np.max(np.abs(ours - ref)) <= 1e-12 * np.max(np.abs(ref))
