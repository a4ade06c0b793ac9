"""The command line: output formats, and one clear line for every kind of bad input."""

import json

import pytest


def test_examples_lists_every_builtin(run):
    status, out, _ = run("examples")
    assert status == 0
    for name in ["not_gate", "or_gate", "ibm_two_layer", "iris_4_3_2", "keras_2_4_4_1",
                 "tanh_layer_3_2", "digits"]:
        assert name in out


def test_derive_text_ends_in_the_lecture_result(run):
    status, out, _ = run("derive", "or_gate", "--wrt", "t_1")
    assert status == 0
    assert "∂E/∂t_1 = 2(N_xy − z)·N_xy(1 − N_xy)·w_1z·o_1(1 − o_1)" in out
    assert "Verified" in out


def test_derive_json_and_canonical_names(run):
    status, out, _ = run("derive", "or_gate", "--wrt", "W1[0,0]", "--format", "json")
    entry = json.loads(out)[0]
    assert status == 0 and entry["parameter"] == "w_x1" and entry["canonical"] == "W1[0,0]"
    assert entry["symbols"]["x"] == "x[0]" and entry["symbols"]["z"] == "y[0]"
    assert all({"rule", "latex", "text"} <= set(step) for step in entry["steps"])


def test_derive_delta_json_holds_the_equations_the_text_prints(run):
    status, out, _ = run("derive", "digits", "--delta", "--format", "json")
    equations = json.loads(out)
    _, text, _ = run("derive", "digits", "--delta")
    printed = text.split("Delta form")[1].splitlines()[1:]
    assert status == 0 and [e["text"] for e in equations] == [
        line.strip() for line in printed if line.strip() and not line.startswith("Note")]
    assert [e["role"] for e in equations].count("gradient") == 4  # W1, b1, W2, b2
    assert equations[-1]["layer"] == 1 and "&" not in equations[-1]["latex"]


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_derive_other_formats(run, fmt):
    status, out, _ = run("derive", "not_gate", "--format", fmt)
    assert status == 0 and "\\frac{\\partial C_k}{\\partial w^{(1)}}" in out


def test_eval_reports_loss_and_gradients(run, tmp_path):
    status, out, _ = run("eval", "not_gate", "--x", "[[1]]", "--y", "[[0]]")
    payload = json.loads(out)
    assert status == 0 and round(payload["loss"], 4) == 0.6950
    assert set(payload["gradients"]) == {"W1", "b1"}


@pytest.mark.parametrize("args, message", [
    (["derive", "missing.toml"], "not found"),
    (["derive", "no_such_example"], "built-in example"),
    (["derive", "or_gate", "--wrt", "w_q9"], "no parameter"),
    (["derive", "digits"], "--delta"),
    (["eval", "not_gate", "--x", "[[1, 2]]", "--y", "[[0]]"], "shape"),
    (["eval", "not_gate", "--x", "[[\"a\"]]", "--y", "[[0]]"], "numbers"),
    (["eval", "not_gate", "--x", "[[1]", "--y", "[[0]]"], "JSON"),
    (["eval", "not_gate", "--x", "[[true]]", "--y", "[[0]]"], "not true or false"),
    (["eval", "or_gate", "--x", "[[1, 0]]"], "--x and --y together"),
    (["derive", "--expr", "x**2", "--at", "x=1,y"], "NAME=VALUE"),
])
def test_bad_input_is_one_line_and_status_2(run, args, message):
    status, out, err = run(*args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("spec, message", [
    ('inputs = 2\nlayers = [{units = 1, activation = "sigmod"}]\n', "unknown activation"),
    ('inputs = 2\nlayers = [{units = 1}]\nloss = "hinge"\n', "unknown loss"),
    ('inputs = ["x", "import os"]\nlayers = [{units = 1}]\n', "not an identifier"),
    ('inputs = ["E"]\nlayers = [{units = 1}]\n', "reserved"),
    ('inputs = 1\nlayers = [{units = 2, activation = "softmax"}, {units = 1}]\n',
     "output layer only"),
    ('inputs = 1\nlayers = [{units = 1, activation = "threshold"}]\n'
     'params = {W1 = [[1, 2]], b1 = [0]}\n', "shape"),
    ('inputs = 1\nlayers = [{units = 1}]\nloss = {kind = "binary_cross_entropy"}\n',
     "output activation"),
    ('inputs = 1\nlayers = [{units = 1}\n', "not valid TOML"),
])
def test_bad_specs(run, tmp_path, spec, message):
    path = tmp_path / "net.toml"
    path.write_text(spec)
    status, out, err = run("derive", str(path))
    assert status == 2 and out == "" and message in err and "Traceback" not in err


def test_threshold_is_derived_with_its_zero_derivative(run, tmp_path):
    path = tmp_path / "step.toml"
    path.write_text('inputs = 1\nlayers = [{units = 1, activation = "threshold"}]\n')
    status, out, _ = run("derive", str(path))
    assert status == 0 and "θ' = 0" in out and "cannot train" in out


def test_json_spec_file_and_python_api_agree(run, tmp_path):
    spec = {"name": "or_json", "notation": "rostock", "inputs": ["x", "y"], "targets": ["z"],
            "layers": [{"units": 2, "activation": "sigmoid"},
                       {"units": 1, "activation": "sigmoid"}],
            "loss": {"kind": "squared_error", "factor": 1}}
    path = tmp_path / "or.json"
    path.write_text(json.dumps(spec))
    status, out, _ = run("derive", str(path), "--wrt", "t_1", "--format", "json")
    from_file = json.loads(out)[0]["result"]

    from derive.network import Dense, Network
    from derive.render.document import render_json
    from derive.report import build

    net = Network(inputs=["x", "y"], targets=["z"], notation="rostock",
                  layers=[Dense(2, "sigmoid"), Dense(1, "sigmoid")], loss="squared_error")
    from_api = json.loads(render_json(build(net, wrt=["t_1"])))[0]["result"]
    assert status == 0 and from_file == from_api
    assert from_api == "2*(N_xy - z)*(N_xy*(1 - N_xy))*w_1z*(o_1*(1 - o_1))"


@pytest.mark.parametrize("stem", ["test", "series", "gamma", "plot"])
def test_a_spec_file_may_have_any_identifier_as_its_name(run, tmp_path, stem):
    path = tmp_path / f"{stem}.toml"
    path.write_text('inputs = ["x"]\nlayers = [{units = 1, activation = "sigmoid"}]\n')
    status, out, err = run("derive", str(path))
    assert status == 0 and out.startswith(f"{stem}: 1 → 1") and err == ""


def test_eval_refuses_a_result_json_cannot_hold(run, tmp_path):
    path = tmp_path / "hs.toml"
    path.write_text('inputs = 1\nlayers = [{units = 2, activation = "softplus"}]\n'
                    'loss = "hellinger"\nparams = {W1 = [[-1e4, 1]], b1 = [0, 0]}\n'
                    "data = {x = [[1]], y = [[1, 0]]}\n")
    status, out, err = run("eval", str(path))
    assert status == 2 and out == "" and err.count("\n") == 1 and "not finite" in err
