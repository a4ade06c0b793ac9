"""Commands that write several files write all of them or none (``codegen.files.staged``)."""

import os

import pytest

from codegen.cli.handout import write
from codegen.files import staged, write_all
from derive.errors import ChainruleError

SHEETS = ["or_gate.tex", "or_gate-questions.tex", "or_gate-solutions.tex"]
GOOD = "\\documentclass{article}\\begin{document}fine\\end{document}\n"
BAD = "\\documentclass{article}\\begin{document}\\undefinedcommand\\end{document}\n"


def _listing(directory):
    """Every path below ``directory`` (hidden ones too), relative."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def _one_line_exit_2(status, out, err, message):
    assert (status, out) == (2, ""), err
    assert err.count("\n") == 1 and "Traceback" not in err and message in err, err


def test_exercises_with_a_later_output_a_directory_write_nothing(run, tmp_path):
    (tmp_path / "or_gate-solutions.tex").mkdir()
    (tmp_path / "or_gate.tex").write_text("the old handout")
    status, out, err = run("handout", "or_gate", "--exercises", "-o", str(tmp_path))
    _one_line_exit_2(status, out, err, "or_gate-solutions.tex: it is a directory")
    assert _listing(tmp_path) == ["or_gate-solutions.tex", "or_gate.tex"]
    assert (tmp_path / "or_gate.tex").read_text() == "the old handout"


def test_pdf_without_pdflatex_writes_nothing(run, tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out_dir = tmp_path / "out" / "sheets"
    status, out, err = run("handout", "or_gate", "--exercises", "--pdf", "-o", str(out_dir))
    _one_line_exit_2(status, out, err, "pdflatex is not installed")
    assert _listing(tmp_path) == ["empty-bin"]  # not even the output directory
    # The writer alone refuses as well, before building anything.
    with pytest.raises(ChainruleError, match="pdflatex is not installed"):
        write({"a.tex": GOOD}, out_dir, pdf=True)
    assert _listing(tmp_path) == ["empty-bin"]


def test_a_failed_compile_leaves_nothing_not_even_the_built_sheets(tmp_path):
    target = tmp_path / "new"
    with pytest.raises(ChainruleError, match=r"LaTeX failed on b\.tex, line \d+: Undefined"):
        write({"a.tex": GOOD, "b.tex": BAD}, target, pdf=True, figures={"p.png": b"png"})
    assert not target.exists()
    (tmp_path / "a.tex").write_text("kept")
    with pytest.raises(ChainruleError):
        write({"a.tex": GOOD, "b.tex": BAD}, tmp_path, pdf=True)
    assert _listing(tmp_path) == ["a.tex"] and (tmp_path / "a.tex").read_text() == "kept"


def test_a_good_build_moves_every_file_in_and_leaves_no_staging_folder(tmp_path):
    paths = write({"a.tex": GOOD, "b.md": "# b\n"}, tmp_path / "d", pdf=True,
                  figures={"p.png": b"\x89PNG"})
    assert [p.name for p in paths] == ["p.png", "a.tex", "b.md", "a.pdf"]
    assert _listing(tmp_path / "d") == ["a.pdf", "a.tex", "b.md", "p.png"]
    assert (tmp_path / "d" / "a.pdf").read_bytes().startswith(b"%PDF")


def test_a_failed_move_restores_what_it_replaced(tmp_path, monkeypatch):
    (tmp_path / "one.txt").write_text("old one")
    real = os.replace

    def failing(src, dst):
        if str(dst).endswith("two.txt"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(ChainruleError, match="cannot write .*two.txt: No space left"):
        write_all(tmp_path, {"one.txt": "new one", "two.txt": "two"})
    assert _listing(tmp_path) == ["one.txt"] and (tmp_path / "one.txt").read_text() == "old one"


def test_an_exception_while_building_removes_the_staging(tmp_path):
    with pytest.raises(KeyError), staged(tmp_path / "x" / "y") as stage:
        stage.write("a.txt", "a")
        raise KeyError("stop")
    assert _listing(tmp_path) == []
    with pytest.raises(ChainruleError, match="not a plain file name"), staged(tmp_path) as stage:
        stage.write("../escape.txt", "no")
    assert _listing(tmp_path) == []


def test_compare_plots_are_all_or_nothing(run, tmp_path):
    (tmp_path / "or_gate_scaling.png").mkdir()
    status, out, err = run("compare", "or_gate", "--plots", str(tmp_path))
    _one_line_exit_2(status, out, err, "or_gate_scaling.png: it is a directory")
    assert _listing(tmp_path) == ["or_gate_scaling.png"]


def test_training_figures_are_all_or_nothing(run, tmp_path):
    (tmp_path / "xor_momentum.svg").mkdir()  # the last of the three figures
    status, out, err = run("train", "xor_gate", "--epochs", "20", "--compare-momentum",
                           "--plots", str(tmp_path / "xor.svg"))
    _one_line_exit_2(status, out, err, "xor_momentum.svg: it is a directory")
    assert _listing(tmp_path) == ["xor_momentum.svg"]
