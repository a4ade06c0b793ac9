"""Generated calls are laid out as ruff format lays them out: checked against ruff itself."""

import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from codegen.layout import LINE, Call, layout, statement, text

REPO = Path(__file__).resolve().parents[2]


def _call(rng: random.Random, depth: int = 0) -> Call:
    """A random call or list whose arguments are names, numbers or (rarely) nested calls."""
    head, brackets = rng.choice([("np.multiply", "()"), ("x.sum", "()"), ("", "[]"),
                                 ("np.array", "()")])
    args = []
    for _ in range(rng.randint(1, 7)):
        if depth < 2 and rng.random() < 0.3:
            args.append(_call(rng, depth + 1))
        elif rng.random() < 0.5:
            args.append(str(round(rng.uniform(-10, 10), rng.randint(0, 6))))
        else:
            args.append("v" + "x" * rng.randint(0, 30))
    return Call(head, args, brackets)


def test_layout_is_what_ruff_format_makes_of_the_one_line_form():
    rng = random.Random(7)
    mine, flat = [], []
    for i in range(900):
        call, indent = _call(rng), rng.choice([0, 4, 8])
        pad = " " * indent
        if indent == 0:  # an assignment: the call follows "name = " on its line
            lines = layout(call, 0, len(f"x{i} = "))
            mine.append(f"x{i} = " + "\n".join(lines))
            flat.append(f"x{i} = {call}")
        elif indent == 4:  # a statement in a function body
            body = "\n".join(pad + line for line in layout(call, 4))
            mine.append(f"def f{i}():\n{body}")
            flat.append(f"def f{i}():\n{pad}{call}")
        else:  # a dict entry: a key before it, a comma after it
            key = f'"k{i}": '
            entry = pad + key + text(call, 8, len(key), 1) + ","
            mine.append(f"def f{i}():\n    return {{\n{entry}\n    }}")
            flat.append(f"def f{i}():\n    return {{\n{pad}{key}{call},\n    }}")
    _as_ruff_formats(mine, flat, broken=150)


def test_a_plain_string_or_a_call_that_fits_stays_on_one_line():
    assert layout("delta2 *= scale", 96) == ["delta2 *= scale"]
    call = Call("np.matmul", ["a1.T", "delta2", 'out=grads["W2"]'])
    assert layout(call, 4) == ['np.matmul(a1.T, delta2, out=grads["W2"])']
    assert call == 'np.matmul(a1.T, delta2, out=grads["W2"])'


def test_a_matrix_is_a_row_a_line_once_its_call_is_broken_and_ruff_keeps_it(tmp_path):
    from codegen.parts import _array

    rng = np.random.default_rng(0)
    small, wide = rng.normal(size=(3, 2)), rng.normal(size=(3, 30))
    assert layout(_array(np.eye(2)), 4, 4) == ["np.array([[1, 0], [0, 1]], dtype=DTYPE)"]
    lines = layout(_array(small), 4, 4)
    assert lines[:2] == ["np.array(", "    ["] and len(lines) == 2 + 3 + 3
    assert lines[2].startswith("        [") and lines[2].endswith("],")
    wide_lines = layout(_array(wide), 4, 4)  # rows too long themselves: a number a line
    assert len(wide_lines) == 2 + 3 * 32 + 3
    body = [f"    X = {text(_array(a), 4, 4)}" for a in (small, wide, wide[0])]
    path = tmp_path / "matrices.py"
    path.write_text("import numpy as np\n\nDTYPE = float\n\n\ndef f():\n"
                    + "\n".join(body) + "\n    return X\n")
    ruff = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache",
                           str(path)], capture_output=True, text=True, cwd=REPO)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    namespace = {}
    exec(path.read_text(), namespace)
    np.testing.assert_array_equal(namespace["f"](), wide[0])


def _arithmetic(rng: random.Random, depth: int = 0) -> str:
    """A random expression of names, calls, powers and chains of + - or * / @, some operands
    in parentheses: the shapes the array printers print, and stranger ones."""
    if depth > 3 or rng.random() < 0.3:
        return rng.choice(["a1", "delta2", "Y", "z" + "x" * rng.randint(0, 12), "2", "n",
                           "a2**2", "W2.T", "-a2", "(a2 - Y) ** 2"])
    if rng.random() < 0.3:
        name = rng.choice(["np.exp", "np.sqrt", "torch.tanh", "np.sum", "math.sqrt"])
        extra = ", axis=1, keepdims=True" if name == "np.sum" else ""
        return f"{name}({_arithmetic(rng, depth + 1)}{extra})"
    ops = rng.choice([["+", "-"], ["*", "/", "@"]])
    out = ""
    for i in range(rng.randint(2, 5)):
        part = _arithmetic(rng, depth + 1)
        if rng.random() < 0.4 or ops[0] == "*" and (" + " in part or " - " in part):
            part = f"({part})"
        out += f" {rng.choice(ops)} {part}" if i else part
    return out


def test_statement_is_what_ruff_format_makes_of_the_one_line_form():
    rng = random.Random(3)
    mine, flat = [], []
    while len(mine) < 600:
        code, target = _arithmetic(rng), "delta" + "1" * rng.randint(1, 3)
        if 60 < len(code) < 400:
            mine.append(f"def f{len(mine)}():\n    " + statement(f"{target} = ", code, 4))
            flat.append(f"def f{len(flat)}():\n    {target} = {code}")
    _as_ruff_formats(mine, flat, broken=300)


def _as_ruff_formats(mine: list[str], flat: list[str], broken: int) -> None:
    """Our layout of each function equals ``ruff format`` of its one-line form, within the
    line length, and more than ``broken`` of them were broken over lines."""
    source = "\n\n\n".join(mine) + "\n"
    ruff = subprocess.run([sys.executable, "-m", "ruff", "format", "--no-cache", "-"],
                          input="\n\n\n".join(flat) + "\n", capture_output=True, text=True,
                          cwd=REPO, check=True)
    assert source == ruff.stdout
    assert max(len(line) for line in source.splitlines()) <= LINE
    assert sum(len(c.splitlines()) > 3 for c in mine) > broken
