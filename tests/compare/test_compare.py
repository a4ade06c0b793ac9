"""`chainrule compare`: every method against the 50-digit reference, with numbers to meet."""

import json

import numpy as np
import pytest

from codegen import plots
from codegen.cli.compare import verdicts
from codegen.compare import compare_expression, compare_network, differences, widened
from derive.expression.derive import derive_expression
from derive.spec import examples, load

SMALL = sorted(set(examples()) - {"digits"})


def _check(c):
    assert any(m.kind == "automatic" for m in c.methods)
    for what, worst, target in verdicts(c):
        assert worst <= target, (c.name, what, worst)
    assert c.method("forward difference").rel_error < 1e-5


@pytest.fixture(scope="module")
def digits():
    return compare_network(load("digits"))


@pytest.mark.parametrize("name", SMALL)
def test_every_small_example_meets_the_targets(name):
    _check(compare_network(load(name)))


def test_digits_meets_the_targets_over_all_2410_entries(digits):
    _check(digits)
    assert digits.n_params == 2410 and digits.method("generated NumPy module").gradient.size == 2410


def test_the_sweep_is_v_shaped(digits):
    errors = digits.sweep["central difference"]
    best = int(np.argmin(errors))
    assert 0 < best < len(errors) - 1 and errors[0] > 100 * errors[best] < errors[-1] / 100


def test_differences_of_a_known_function():
    theta = np.array([0.3, -1.2, 2.0])

    def f(rows):
        return np.sum(np.sin(rows) * rows, axis=-1)

    exact = np.sin(theta) + theta * np.cos(theta)
    assert np.max(abs(differences(f, theta, "complex step", 1e-20) - exact)) < 1e-15
    assert np.max(abs(differences(f, theta, "central difference", 6e-6) - exact)) < 1e-9


def test_expression_comparison():
    c = compare_expression(derive_expression("x**2*cos(x) + sin(x*y)"))
    _check(c)


def test_widened_network_counts():
    assert widened(load("or_gate"), 8).n_params == 2 * 8 + 8 + 8 + 1


def test_plots_exist_and_are_deterministic(digits):
    first, again = plots.step_plot(digits), plots.step_plot(digits)
    assert first.startswith(b"\x89PNG") and first == again and b"Software" not in first
    scaled = [compare_network(widened(load("or_gate"), w), sweep=False) for w in (2, 4)]
    assert plots.scaling_plot(scaled).startswith(b"\x89PNG")


def test_cli_json_markdown_and_plots(run, tmp_path):
    status, out, _ = run("compare", "or_gate", "--format", "json")
    assert status == 0 and all(t["met"] for t in json.loads(out)["targets"])
    status, out, _ = run("compare", "or_gate", "--format", "markdown", "--plots",
                         str(tmp_path))
    assert status == 0 and f"]({tmp_path}/or_gate_steps.png)" in out
    assert {p.name for p in tmp_path.iterdir()} == {"or_gate_steps.png", "or_gate_scaling.png"}
    status, out, _ = run("compare", "--expr", "e = (a + b)*(b + 1)", "--at", "a=2", "b=1")
    assert status == 0 and "meets" in out and "MISSES" not in out


@pytest.mark.parametrize("args, message", [
    (["compare", "missing.toml"], "not found"),
    (["compare"], "either a SPEC"),
    (["compare", "or_gate", "--expr", "x"], "either a SPEC"),
    (["compare", "--expr", "__import__('os')"], "not allowed"),
    (["compare", "--expr", "a*b", "--at", "a=1", "b"], "NAME=VALUE"),
])
def test_bad_input_is_one_line_and_writes_nothing(run, tmp_path, args, message):
    status, out, err = run(*args, "--plots", str(tmp_path / "plots"))
    assert status == 2 and out == "" and err.count("\n") == 1 and message in err
    assert not (tmp_path / "plots").exists()


def test_handout_gains_the_comparison_and_compiles(run, tmp_path):
    status, _, err = run("handout", "or_gate", "--compare", "--pdf", "-o", str(tmp_path))
    assert status == 0, err
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"or_gate.tex", "or_gate.pdf", "or_gate_steps.png", "or_gate_scaling.png"}
    tex = (tmp_path / "or_gate.tex").read_text()
    assert r"\section*{Symbolic, numeric and automatic differentiation compared}" in tex
    assert r"\includegraphics[width=0.8\linewidth]{or_gate_steps.png}" in tex
    assert tex.count(" meets the target") == 4 and "misses" not in tex
    assert (tmp_path / "or_gate.pdf").read_bytes().startswith(b"%PDF")
    status, _, err = run("handout", "or_gate", "--compare", "--markdown", "-o", str(tmp_path))
    md = (tmp_path / "or_gate.md").read_text()
    assert status == 0 and "](or_gate_scaling.png)" in md and "| autograd |" in md


def test_handout_without_compare_has_no_comparison(run, tmp_path):
    assert run("handout", "or_gate", "-o", str(tmp_path))[0] == 0
    tex = (tmp_path / "or_gate.tex").read_text()
    assert "compared" not in tex and "\\includegraphics" not in tex  # no plots
    assert {p.name for p in tmp_path.iterdir()} == {"or_gate.tex"}
