"""The training lessons against the course's numbers and independent routes.

descent on x² against (1 − 2γ)ᵏ·x₀ in exact arithmetic; the grid search against a brute-force
NumPy evaluation of the NOT gate written out by hand; the landscape against ``chainrule eval``
(the derived delta equations); training against the committed generated module's ``train()``;
every figure checked from the figure object.
"""

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from codegen.lessons import network as nw
from codegen.lessons import plots
from codegen.lessons.descent import descent
from codegen.lessons.landscape import landscape
from codegen.lessons.search import search
from codegen.lessons.training import train
from codegen.loader import load_file

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def not_gate():
    return nw.setting("not_gate")


@pytest.fixture(scope="module")
def keras():
    return nw.setting("keras_2_4_4_1")


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


# --- descent --------------------------------------------------------------------------------
def test_descent_on_x_squared_is_exactly_the_rostock_iterates():
    d = descent("x**2", ["-4"], ["0.8", "0.7", "0.2", "1.1"], steps=12)
    by_rate = {r.rate: r for r in d.runs}
    assert [p[0] for p in by_rate[0.8].trace.points[1:4]] == [2.4, -1.44, 0.864]
    assert [p[0] for p in by_rate[0.7].trace.points[1:3]] == [1.6, -0.64]
    assert [p[0] for p in by_rate[0.2].trace.points[1:3]] == [-2.4, -1.44]
    for gamma in ("0.8", "0.7", "0.2", "1.1"):
        run = by_rate[float(gamma)]
        assert run.exact
        factor = 1 - 2 * Fraction(gamma)
        assert [p[0] for p in run.trace.points] == [float(factor**k * -4) for k in range(13)]
    assert by_rate[1.1].behaviour == "diverges"
    assert by_rate[0.8].behaviour == "converges, zig-zag (ping-pong)"
    assert by_rate[0.2].behaviour == "converges"
    assert descent("x**2", ["-4"], ["1"]).runs[0].behaviour == "ping-pong without progress"


def test_descent_cli_text_and_json(run):
    status, out, _ = run("descent", "--function", "x**2", "--x0", "-4", "--rates", "0.8",
                         "1.1", "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert data["derivatives"] == ["2*x"]
    assert [p[0] for p in data["runs"][0]["iterates"][:4]] == [-4, 2.4, -1.44, 0.864]
    assert data["runs"][1]["behaviour"] == "diverges"
    status, out, _ = run("descent", "--function", "x**2", "--x0=-4", "--rates", "1.1")
    assert "γ = 1.1: diverges" in out and "-5.76" in out


def test_clipping_limits_each_step_to_rate_times_clip():
    d = descent("x**2", ["-4"], ["0.8", "1.1"], steps=40, clip="0.3")
    clipped = [r for r in d.runs if r.clip is not None]
    assert [p[0] for p in clipped[0].trace.points[1:3]] == [-3.76, -3.52]
    for r in clipped:
        steps = np.abs(np.diff([p[0] for p in r.trace.points]))
        assert np.all(steps <= r.rate * 0.3 + 1e-15)
    diverging = [r for r in d.runs if r.rate == 1.1]
    assert diverging[0].behaviour == "diverges" and diverging[1].behaviour != "diverges"


def test_descent_in_two_variables_and_a_transcendental_function():
    d = descent("x**2 + 10*y**2", ["-4", "1"], ["0.04"], steps=20)
    points = np.array(d.runs[0].trace.points)
    k = np.arange(21)
    assert np.allclose(points[:, 0], 0.92**k * -4, rtol=1e-12)
    assert np.allclose(points[:, 1], 0.2**k * 1, rtol=1e-9, atol=1e-15)
    d = descent("sin(x) + x**2/4", ["3"], ["0.5"], steps=5)
    run = d.runs[0]
    assert not run.exact
    for (x,), (g,) in zip(run.trace.points, run.trace.gradients, strict=False):
        assert g == pytest.approx(np.cos(x) + x / 2, rel=1e-14)


def test_descent_figure():
    d = descent("x**2", ["-4"], ["0.8", "0.7", "0.2", "1.1"], steps=10)
    fig = plots.descent_figure(d)
    ax = fig.axes[0]
    assert "x_0 = -4" in ax.get_title() and ax.get_xlabel() == "$x$"
    assert ax.get_ylabel() == "$f(x)$"
    legend = _legend(fig)
    assert legend[0] == "$f(x) = x^{2}$" and len(legend) == 5
    assert "γ = 1.1: diverges" in legend
    lines = ax.get_lines()
    assert len(lines) == 5 and all(len(line.get_xdata()) == 11 for line in lines[1:])
    d = descent("x**2 + 10*y**2", ["-4", "1"], ["0.04", "0.09"], steps=30)
    fig = plots.descent_figure(d)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x$", "$y$")
    assert len(_legend(fig)) == 3
    plots.close({"a": fig})


# --- search ---------------------------------------------------------------------------------
def _not_gate_by_hand(w, b):
    """C = ½ Σ_k (tanh(w x_k + b) − y_k)² over the NOT gate's two examples, by hand."""
    x, y = np.array([0.0, 1.0]), np.array([1.0, 0.0])
    a = np.tanh(w[..., None] * x + b[..., None])
    return ((a - y) ** 2).mean(axis=-1)


@pytest.mark.parametrize("names", [("W1[0,0]", "b1[0]"), ("w1", "b1")])
def test_search_not_gate_grid_is_441_points_and_matches_brute_force(run, names):
    status, out, _ = run("search", "not_gate", "--params", *names, "--grid", "21",
                         "--range", "-1", "1", "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert len(data["grid_costs"]) == 441 and data["budget"] == 441
    grid = {m["name"]: m for m in data["methods"]}
    assert grid["grid search"]["evaluations"] == 441
    assert grid["Monte Carlo"]["evaluations"] == 441
    assert grid["gradient descent"]["evaluations"] <= 441
    axis = np.linspace(-1, 1, 21)
    W, B = np.meshgrid(axis, axis, indexing="ij")
    brute = _not_gate_by_hand(W, B)
    i, j = np.unravel_index(np.argmin(brute), brute.shape)
    assert grid["grid search"]["best_point"] == [axis[i], axis[j]]
    assert grid["grid search"]["best_cost"] == pytest.approx(brute[i, j], rel=1e-14)
    assert np.allclose(data["grid_costs"], brute.ravel(), rtol=1e-14)
    # gradient descent spends its budget better than either search, here
    assert grid["gradient descent"]["best_cost"] < grid["grid search"]["best_cost"]
    assert [c["evaluations"] for c in data["counts"]] == [21, 441]


def test_search_calls_the_module_as_often_as_it_reports():
    s = nw.setting("not_gate")
    calls = {"loss": 0, "gradients": 0}

    def counting(name, function):
        def counted(*args):
            calls[name] += 1
            return function(*args)
        return counted

    for name in calls:
        setattr(s.module, name, counting(name, getattr(s.module, name)))
    S = search(s, ["W1[0,0]", "b1[0]"], grid=21, lo=-1, hi=1)
    steps = len(S.trace.points) - 1
    assert len(S.grid_values) == 441 and steps == 146
    assert calls == {"loss": 441 + 441 + steps + 1, "gradients": steps}
    assert S.method("gradient descent").evaluations == 3 * steps + 1 <= 441


def test_search_text_counts_and_the_atoms_note(run):
    status, out, _ = run("search", "keras_2_4_4_1", "--params", "w1_1_1", "b1_1", "--grid",
                         "5")
    assert status == 0
    assert "d =    6: 21^6" not in out and "5^6 = 15,625" in out
    assert "5^d passes 10^80 at d = 115" in out and "keras_2_4_4_1 has 37 parameters" in out
    status, out, _ = run("search", "not_gate", "--params", "w1", "--grid", "21")
    assert "21^d passes 10^80 at d = 61" in out
    status, out, _ = run("search", "digits", "--params", "W1[0,0]", "--grid", "3")
    assert status == 0 and f"3^2410 = {str(3**2410)[0]}.{str(3**2410)[1:4]} × 10^1149" in out


def test_search_figure(not_gate):
    S = search(not_gate, ["w1", "b1"])
    fig = plots.search_figure(S)
    ax = fig.axes[0]
    assert "441 loss evaluations each" in ax.get_title()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w^{(1)}$", "$b^{(1)}$")
    legend = _legend(fig)
    assert legend[:3] == ["grid: 441 points", "Monte Carlo: 441 samples",
                          "gradient descent: 146 steps (439 evaluations)"]
    assert sum(t.startswith("best of") for t in legend) == 3
    sizes = [len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_sizes")
             and len(c.get_offsets()) in (441,)]
    assert sizes == [441, 441]
    assert len(ax.get_lines()[0].get_xdata()) == 147
    plots.close({"a": fig})


# --- landscape ------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, names", [("not_gate", ["w1", "b1"]),
                                         ("or_gate", ["t_1", "W1[0,0]"])])
def test_landscape_values_equal_chainrule_eval(run, tmp_path, spec, names):
    s = nw.setting(spec)
    L = landscape(s, names, -3, 3, resolution=7, path="none")
    for i, j in [(0, 0), (6, 6), (2, 5), (3, 3), (5, 1)]:
        params = nw.with_values(s.start, L.keys, (L.axis[j], L.axis[i]))
        path = tmp_path / "params.json"
        path.write_text(json.dumps({k: v.tolist() for k, v in params.items()}))
        status, out, _ = run("eval", spec, "--params", str(path))
        assert status == 0
        assert L.values[i, j] == pytest.approx(json.loads(out)["loss"], rel=1e-14, abs=0)


def test_landscape_path_is_the_modules_training_and_arrows_are_perpendicular(not_gate):
    # The NOT gate has just these two parameters: the path is full-batch training.
    L = landscape(not_gate, ["w1", "b1"], path="momentum", momentum=0.9, steps=50, rate=0.1)
    seen = []
    not_gate.module.train(not_gate.start, not_gate.X, not_gate.Y, epochs=50,
                          learning_rate=0.1, momentum=0.9, batch_size=None,
                          callback=lambda e, loss, p: seen.append((p["W1"][0, 0],
                                                                   p["b1"][0])))
    assert np.allclose(L.trace.points[1:], seen, rtol=1e-12, atol=1e-14)
    # −∇C from the derived gradients against the landscape's own finite differences
    fine = landscape(not_gate, ["w1", "b1"], -2, 2, resolution=241, path="none")
    dC_dy, dC_dx = np.gradient(fine.values, fine.axis, fine.axis)
    for (x, y), arrow in zip(fine.arrows, fine.directions, strict=True):
        j, i = np.argmin(abs(fine.axis - x)), np.argmin(abs(fine.axis - y))
        assert (fine.axis[j], fine.axis[i]) == pytest.approx((x, y), abs=1e-12)
        numeric = -np.array([dC_dx[i, j], dC_dy[i, j]])
        if np.linalg.norm(numeric) > 1e-3:
            assert arrow @ numeric / np.linalg.norm(numeric) > 0.99


def test_landscape_figure(not_gate):
    L = landscape(not_gate, ["w1", "b1"], resolution=21)
    fig = plots.landscape_figure(L)
    ax = fig.axes[0]
    assert ax.get_title() == "not_gate: cost $C$ over $w^{(1)}$ and $b^{(1)}$ (its only " \
                             "parameters)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w^{(1)}$", "$b^{(1)}$")
    assert _legend(fig) == ["$-\\nabla$$C$ (direction)", "SGD, ε = 0.5, 200 steps", "start",
                            "end"]
    quiver = [c for c in ax.collections if type(c).__name__ == "Quiver"]
    assert len(quiver) == 1 and len(quiver[0].get_offsets()) == len(L.arrows) > 100
    assert len(ax.get_lines()[0].get_xdata()) == 201
    assert fig.axes[1].get_ylabel() == "cost $C$"
    plots.close({"a": fig})


# --- training -------------------------------------------------------------------------------
def test_train_keras_falls_and_equals_the_generated_modules_train(run, keras):
    status, out, _ = run("train", "keras_2_4_4_1", "--epochs", "200", "--momentum", "0.9",
                         "--format", "json")
    assert status == 0
    history = json.loads(out)["history"]["loss"]
    assert len(history) == 200 and history[-1] < 0.5 * history[0]
    module = load_file(REPO / "generated" / "keras_2_4_4_1.py")
    X, Y = np.array(keras.net.data["x"]), np.array(keras.net.data["y"])
    _, expected = module.train(module.init_params(0), X, Y, epochs=200, momentum=0.9)
    assert history == expected["loss"]
    status, out, _ = run("train", "keras_2_4_4_1", "--epochs", "200", "--momentum", "0.9")
    assert "(falling)" in out and "epoch    200" in out


def test_training_comparisons_and_figures(keras):
    T = train(keras, epochs=30, compare_rates=[0.1, 1.0], compare_momentum=True,
              compare_batch=True)
    assert [c.settings["batch_size"] for c in T.comparisons["batch"]] == [1, None]
    assert [c.settings["momentum"] for c in T.comparisons["momentum"]] == [0.0, 0.9]
    figures = plots.training_figures(T)
    assert list(figures) == ["loss", "boundary", "rates", "momentum", "batch"]
    ax = figures["loss"].axes[0]
    assert ax.get_title() == "keras_2_4_4_1: training loss per epoch"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel().startswith("loss $E$")
    assert list(ax.get_lines()[0].get_ydata()) == T.history
    assert _legend(figures["loss"]) == ["ε = 0.5, momentum 0.9, batch 16"]
    ax = figures["boundary"].axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_{1}$", "$x_{2}$")
    assert _legend(figures["boundary"]) == ["decision boundary (output 0.5)",
                                            "class 0 (100 points)", "class 1 (100 points)"]
    assert sum(len(c.get_offsets()) for c in ax.collections
               if type(c).__name__ == "PathCollection") == 200
    ax = figures["rates"].axes[0]
    assert ax.get_title() == ("keras_2_4_4_1: learning rates compared (momentum 0.9, "
                              "batch 16, 30 epochs)")
    assert len(ax.get_lines()) == 2 and len(_legend(figures["rates"])) == 2
    assert _legend(figures["batch"])[0].startswith("online (batch size 1)")
    assert len(figures["momentum"].axes[0].get_lines()) == 2
    plots.close(figures)


# --- files, determinism, bad input ----------------------------------------------------------
def test_plots_are_written_atomically_and_deterministically(run, tmp_path):
    args = ["descent", "--function", "x**2 + 10*y**2", "--x0", "-4", "1", "--rates", "0.04"]
    assert run(*args, "--plots", str(tmp_path / "a"))[0] == 0
    assert run(*args, "--plots", str(tmp_path / "b"))[0] == 0
    a, b = (tmp_path / "a" / "descent.png").read_bytes(), (tmp_path / "b" / "descent.png")
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b.read_bytes()
    for suffix, magic in ((".svg", b"<?xml"), (".pdf", b"%PDF")):
        run(*args, "--plots", str(tmp_path / f"x{suffix}"))
        run(*args, "--plots", str(tmp_path / f"y{suffix}"))
        x, y = (tmp_path / f"x{suffix}").read_bytes(), (tmp_path / f"y{suffix}").read_bytes()
        assert x.startswith(magic) and x == y
    status, out, _ = run("train", "xor_gate", "--epochs", "20", "--compare-momentum",
                         "--plots", str(tmp_path / "c" / "xor.svg"))
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == [
        "xor_boundary.svg", "xor_loss.svg", "xor_momentum.svg"]
    assert f"plot: {tmp_path / 'c' / 'xor_loss.svg'}" in out
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("args, message", [
    (["search", "not_gate", "--params", "q"], "no parameter 'q' in not_gate"),
    (["search", "not_gate", "--params", "w1", "W1[0,0]"], "given twice"),
    (["search", "keras_2_4_4_1", "--params", "w1_1_1", "b1_1", "W2[0,0]", "W2[1,0]",
      "W2[2,0]"], "more than 1,000,000"),
    (["landscape", "not_gate", "--params", "w1", "b1", "--range", "1", "-1"], "LO < HI"),
    (["landscape", "not_gate", "--params", "w1", "b1", "--resolution", "100000"],
     "--resolution must be between 2 and 400"),
    (["landscape", "digits", "--params", "W1[0,0]", "b1[0]", "--resolution", "300"],
     "row evaluations"),
    (["landscape", "not_gate", "--params", "w1", "b1", "--momentum", "0.5"],
     "--momentum goes with --path momentum"),
    (["descent", "--function", "x*y*z", "--x0", "1", "2", "3"], "one or two variables"),
    (["descent", "--function", "x**2", "--x0", "1", "2"], "--x0 needs 1 value"),
    (["descent", "--function", "__import__('os')", "--x0", "1"], "not allowed"),
    (["descent", "--function", "x**2", "--x0", "1", "--rates", "-1"], "positive"),
    (["descent", "--function", "log(x)", "--x0=-1"], "no finite real value at x₀ = -1"),
    (["descent", "--function", "x**2", "--x0", "1", "--steps", "100000"], "--steps must be"),
    (["train", "keras_2_4_4_1", "--epochs", "10000000"], "--epochs must be between"),
    (["train", "keras_2_4_4_1", "--momentum", "1.5"], "--momentum must be in [0, 1)"),
    (["descent", "--function", "x**2", "--x0", "1", "--plots", "out.jpg"], "--plots takes"),
])
def test_bad_input_is_one_line_and_writes_nothing(run, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(*args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert not list(tmp_path.iterdir())


# --- handout and the committed lesson --------------------------------------------------------
def test_handout_gains_the_training_section_and_compiles(run, tmp_path):
    status, out, err = run("handout", "not_gate", "--lessons", "--pdf", "-o", str(tmp_path))
    assert status == 0, err
    tex = (tmp_path / "not_gate.tex").read_text()
    assert "\\section*{Training: what gradient descent does with these gradients}" in tex
    assert "\\usepackage{graphicx}" in tex
    assert "\\includegraphics[width=0.8\\linewidth]{not_gate_lesson_landscape.png}" in tex
    assert "over $w^{(1)}$ and $b^{(1)}$" in tex and "$-\\nabla C$" in tex
    assert "lesson_boundary" not in tex  # one input: no decision boundary
    assert (tmp_path / "not_gate.pdf").read_bytes().startswith(b"%PDF")
    for name in ("not_gate_lesson_landscape.png", "not_gate_lesson_loss.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    status, _, _ = run("handout", "or_gate", "--lessons", "--format", "markdown", "-o",
                       str(tmp_path))
    md = (tmp_path / "or_gate.md").read_text()
    assert "## Training: what gradient descent does with these gradients" in md
    assert "](or_gate_lesson_boundary.png)" in md and "$t_{z}$" in md


def test_committed_lesson_pictures_are_fresh():
    from codegen.lessons import lecture

    committed = {p.name: p.read_bytes() for p in lecture.DOCS.glob("*.png")}
    fresh = lecture.pictures()
    assert sorted(committed) == sorted(fresh), "run python -m codegen.regenerate"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale: {stale}; run python -m codegen.regenerate"
    assert lecture.picture("not_gate_landscape.png") == fresh["not_gate_landscape.png"]


def test_same_seed_same_json(run):
    for args in (["landscape", "keras_2_4_4_1", "--params", "W3[0,0]", "b3[0]",
                  "--resolution", "5", "--steps", "20", "--path", "momentum"],
                 ["train", "keras_2_4_4_1", "--epochs", "5", "--compare-batch", "--seed", "3"]):
        first, second = run(*args, "--format", "json"), run(*args, "--format", "json")
        assert first[0] == 0 and first == second
    a = json.loads(run("train", "keras_2_4_4_1", "--epochs", "5", "--format", "json")[1])
    b = json.loads(run("train", "keras_2_4_4_1", "--epochs", "5", "--seed", "1",
                       "--format", "json")[1])
    assert a["history"] != b["history"]  # the seed is what makes them equal


def test_boundary_of_a_three_class_network():
    from derive.network import Dense, Network

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 2)) + np.repeat([[0, 3], [3, 0], [-3, -3]], 10, axis=0)
    y = np.repeat(np.eye(3), 10, axis=0)
    net = Network(inputs=["u", "v"], targets=["p", "q", "r"], name="three",
                  layers=[Dense(3, "softmax")], loss="categorical_cross_entropy",
                  data={"x": x.tolist(), "y": y.tolist()})
    T = train(nw.setting(net), epochs=100, learning_rate=0.5)
    assert T.accuracy == 1.0 and T.history[-1] < T.history[0]
    fig = plots.boundary_figure("three", T.boundary)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$u$", "$v$")
    assert _legend(fig) == ["class 0 (10 points)", "class 1 (10 points)", "class 2 (10 points)"]
    assert set(np.unique(T.boundary.output)) == {0, 1, 2}
    plots.close({"a": fig})


def test_no_boundary_for_a_regression(run):
    status, out, _ = run("train", "ibm_two_layer", "--epochs", "3", "--format", "json")
    assert status == 0 and json.loads(out)["accuracy"] is None
    T = train(nw.setting("ibm_two_layer"), epochs=3)
    figures = plots.training_figures(T)
    assert T.boundary is None and list(figures) == ["loss"]
    plots.close(figures)


def test_a_spec_without_data_is_refused(run, tmp_path):
    spec = tmp_path / "bare.toml"
    spec.write_text('name = "bare"\ninputs = 2\nlayers = [{units = 1, activation = "sigmoid"}]\n'
                    'loss = "squared_error"\n')
    status, _, err = run("train", str(spec))
    assert status == 2 and "carries no data" in err and err.count("\n") == 1


def test_a_flat_or_undefined_surface_still_draws():
    from codegen.lessons.landscape import Landscape

    axis = np.linspace(-1, 1, 5)
    for values in (np.ones((5, 5)), np.full((5, 5), np.nan)):
        L = Landscape("flat", ["W1[0,0]", "b1[0]"], ["$w$", "$b$"], "$E$", axis, values,
                      (0.0, 0.0), 0, "none", 0.1, 0.0, None, np.zeros((0, 2)), np.zeros((0, 2)))
        fig = plots.landscape_figure(L)
        assert plots.figure_bytes(fig).startswith(b"\x89PNG")
        assert _legend(fig) == ["$-\\nabla$$E$ (direction)"]
        plots.close({"a": fig})
