"""`codegen.loader`: the one way a generated module is loaded, and its one-line refusals."""

import sys

import numpy as np
import pytest

from codegen.emit import GENERATED, render
from codegen.loader import API, load_file, load_source
from derive.errors import ChainruleError
from derive.network import Dense, Network

OR_GATE = (GENERATED / "or_gate.py").read_text()


def test_a_file_and_its_text_load_alike_and_in_memory(tmp_path):
    path = tmp_path / "or_gate.py"
    path.write_text(OR_GATE)
    before = set(sys.modules)
    from_file, from_text = load_file(path), load_source(OR_GATE, "or_gate")
    assert set(sys.modules) == before  # nothing registered, nothing shadowed
    assert from_file.__file__ == str(path.resolve())
    assert all(callable(getattr(from_file, name)) for name in API)
    params = from_file.init_params(3)
    X = np.array([[0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(from_file.forward(params, X), from_text.forward(params, X))
    # Two loads are two modules: changing one leaves the other alone.
    from_text.init_params = None
    assert callable(from_file.init_params)


def test_rendered_source_of_every_shape_loads():
    net = Network(3, [Dense(4, "tanh"), Dense(2, "softmax")], loss="categorical_cross_entropy",
                  name="numpy")  # a module name that would shadow NumPy if imported by name
    module = load_source(render(net), net.name)
    assert module.forward(module.init_params(0), np.ones((5, 3))).shape == (5, 2)
    assert sys.modules["numpy"] is np


def _refusal(tmp_path, text: str | bytes, name: str = "m.py") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ChainruleError) as caught:
        load_file(path)
    message = str(caught.value)
    assert "\n" not in message and "give a module that chainrule codegen wrote" in message
    return message


def test_a_missing_file_or_a_directory(tmp_path):
    with pytest.raises(ChainruleError, match=r"module '.*nowhere\.py' not found"):
        load_file(tmp_path / "nowhere.py")
    (tmp_path / "d.py").mkdir()
    with pytest.raises(ChainruleError, match=r"d\.py is not a file"):
        load_file(tmp_path / "d.py")


def test_what_is_not_a_generated_module_is_refused_unrun(tmp_path):
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').close()\ndef forward(p, X):\n    return X\n"
    message = _refusal(tmp_path, text)
    assert "is not a chainrule module: it lacks init_params, loss, gradients, train, " \
           "predict;" in message
    assert not marker.exists()  # refused before any of it ran


@pytest.mark.parametrize("tail, expected", [
    ("\nraise SystemExit(3)\n", "importing {path} exited (SystemExit 3)"),
    ("\nimport sys\nsys.exit()\n", "importing {path} exited (SystemExit None)"),
    ("\nraise ValueError('line one\\nline two')\n",
     "importing {path} failed (ValueError: line one line two)"),
    ("\nimport no_such_module_here\n",
     "importing {path} failed (ModuleNotFoundError: No module named 'no_such_module_here')"),
    ("\ndef broken(:\n", "{path} does not parse (SyntaxError at line"),
    ("\npredict = 3\n", "{path} is not a chainrule module: predict is not a function"),
])
def test_a_module_that_fails_to_import(tmp_path, tail, expected):
    message = _refusal(tmp_path, OR_GATE + tail)
    assert expected.format(path=tmp_path / "m.py") in message, message


def test_text_that_is_not_utf8_or_holds_nul(tmp_path):
    assert "cannot read" in _refusal(tmp_path, b"\xff\xfe" + OR_GATE.encode())
    assert "does not parse" in _refusal(tmp_path, OR_GATE + "\0")


def test_source_errors_name_the_label():
    with pytest.raises(ChainruleError, match=r"^spec\.toml is not a chainrule module"):
        load_source("x = 1\n", "m", label="spec.toml")
