"""Spec text in generated Python: one emitter, no code execution, exact round trips."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from codegen import emit
from codegen.literal import comment_text, docstring_text, py_number, py_string
from derive import spec as specs
from derive.errors import SpecError
from derive.network import Dense, Network

REPO = Path(__file__).resolve().parents[2]

HOSTILE = [
    'hi """; __import__("os").system("touch pwned"); """',
    "hi '''; __import__('os').system('touch pwned'); '''",
    r"C:\xdata \N{foo} \d \u12 \\ trailing \ ",
    'ends in a quote"',
    'ends in a backslash\\',
    "line one\nimport os; os.system('touch pwned')\r\n# and\x00 nul \x0b\x0c\u2028\u2029 end",
    "unicode: σ(z) = 1/(1 + e^−z), ∂E/∂W⁽²⁾ ⊙ 𝐭, émigré, 日本語, \U0001F600",
    "\"\"\"",
    "#\n__import__('os').system('touch pwned')",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_emitters_round_trip(text):
    assert ast.literal_eval(py_string(text)) == text
    assert ast.literal_eval('"""' + docstring_text(text, multiline=True) + '"""') == text
    assert ast.literal_eval('"""' + docstring_text(text) + '"""') == text
    line = comment_text(text)
    assert "\n" not in line and "\r" not in line
    # A comment line is inert: the statement after it still runs, and only it.
    tree = ast.parse(f"# {line}\nx = 1\n")
    assert len(tree.body) == 1


def test_numbers_are_finite_literals():
    assert py_number(0.1) == "0.1" and py_number(3) == "3" and py_number(None) == "None"
    assert py_number(True) == "True"
    for bad in (float("nan"), float("inf"), "1", [1]):
        with pytest.raises(SpecError):
            py_number(bad)


def _renderers():
    return [(style, target) for style, target in emit.STYLES]


@pytest.mark.parametrize(("style", "target"), _renderers())
def test_hostile_spec_text_imports_inert_and_round_trips(tmp_path, style, target):
    net = specs.load("or_gate")
    modules = []
    for i, text in enumerate(HOSTILE):
        hostile = Network(net.inputs, [Dense(2, "sigmoid"), Dense(1, "sigmoid")],
                          targets=net.targets, name=f"hostile{i}", notation="rostock",
                          description=text, data=net.data, training=dict(net.training))
        source = emit.render(hostile, spec=text, style=style, target=target)
        path = tmp_path / f"hostile{i}.py"
        path.write_text(source, encoding="utf-8")
        modules.append((path, text))
    # Import every module in a fresh interpreter whose working directory would receive the
    # file a successful injection touches; then compare the docstrings with the texts.
    script = (
        "import importlib.util, json, sys\n"
        "docs = []\n"
        "for path in sys.argv[1:]:\n"
        "    spec = importlib.util.spec_from_file_location('m', path)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    docs.append(module.__doc__)\n"
        "print(json.dumps(docs))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, *(str(p) for p, _ in modules)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "pwned").exists()
    import json

    docs = json.loads(run.stdout)
    for (_, text), doc in zip(modules, docs, strict=True):
        squeeze = " ".join(doc.split())
        # The description and the spec label, wrapped for reading, hold every character.
        assert " ".join(text.split()) in squeeze


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_training_values_must_be_finite(bad):
    net = specs.load("or_gate")
    for key in ("learning_rate", "clip_norm"):
        broken = Network(net.inputs, [Dense(2, "sigmoid"), Dense(1, "sigmoid")],
                         targets=net.targets, training={**net.training, key: bad})
        with pytest.raises(SpecError, match=key):
            emit.render(broken)


def test_negative_seed_is_refused():
    net = Network(2, [Dense(1, "sigmoid")], training={"seed": -1})
    with pytest.raises(SpecError, match="seed"):
        emit.render(net)
