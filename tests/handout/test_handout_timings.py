"""`handout --compare`: measured timings are labelled as this machine's; the rest is fixed."""

import re

import pytest

# A method row of the comparison table ends in its time per gradient in ms.
TIMING = re.compile(r"^(.+ & )(\d+\.\d{3})( \\\\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    from codegen.cli import main

    out = []
    for run in ("first", "second"):
        directory = tmp_path_factory.mktemp(run)
        assert main(["handout", "not_gate", "--compare", "-o", str(directory)]) == 0
        out.append({p.name: p.read_bytes() for p in directory.iterdir()})
    return out


def test_two_runs_differ_only_in_the_timing_figures(two_runs):
    first, second = (run["not_gate.tex"].decode() for run in two_runs)
    rows = TIMING.findall(first)
    assert len(rows) >= 6 and all(float(ms) > 0 for _, ms, _ in rows)
    masked = [TIMING.sub(r"\1‹ms›\3", tex) for tex in (first, second)]
    assert masked[0] == masked[1]
    assert len(TIMING.findall(second)) == len(rows)


def test_the_handout_says_whose_timings_they_are(two_runs):
    tex = two_runs[0]["not_gate.tex"].decode()
    assert "measured on the machine that wrote this sheet" in " ".join(tex.split())
    assert "ms/gradient" in tex


def test_the_error_plot_is_byte_identical_too(two_runs):
    assert two_runs[0]["not_gate_steps.png"] == two_runs[1]["not_gate_steps.png"]
    assert set(two_runs[0]) == {"not_gate.tex", "not_gate_steps.png"}
