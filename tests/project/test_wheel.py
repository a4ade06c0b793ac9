"""The installed package works anywhere: build the wheel, install it into a fresh virtual
environment, and run every command (the lesson commands too) from an empty directory, whose
outputs land there.

No network: the wheel is built without isolation by the running setuptools (the ``test``
extra installs a recent one), and the new environment reaches the running one's dependencies
through a ``.pth`` file (whose own ``.pth`` files, such as an editable install of this
repository, are not processed).
"""

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "keras"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` directory of a fresh venv with the freshly built wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("derive", "codegen"):
        shutil.copytree(REPO / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "-w", str(base / "dist")], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    assert "Warning" not in build.stderr and "deprecated" not in build.stderr.lower()
    (wheel,) = (base / "dist").glob("chainrule-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], capture_output=True, text=True, check=True)
    Path(purelib.stdout.strip(), "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0 and install.stderr == "", install.stderr
    return venv / "bin"


def chainrule(bin_dir: Path, cwd: Path, *args: str, status: int = 0) -> str:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(cwd), "LC_ALL": "C.UTF-8"}
    done = subprocess.run([bin_dir / "chainrule", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == status, (args, done.stderr)
    return done.stdout + done.stderr


# Each command runs from an empty directory (tmp_path), with the wheel's code, not this checkout's.
def test_the_installed_wheel_derives_and_evaluates(installed, tmp_path):
    where = subprocess.run([installed / "python", "-c", "import codegen; print(codegen.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert where.startswith(str(installed.parent)), where  # the wheel, not this checkout
    assert chainrule(installed, tmp_path, "--version").strip() == "chainrule 0.1.0"
    assert "keras_2_4_4_1" in chainrule(installed, tmp_path, "examples")
    assert "Verified:" in chainrule(installed, tmp_path, "derive", "or_gate", "--wrt", "t_1")
    assert "gradients" in json.loads(chainrule(installed, tmp_path, "eval", "xor_gate"))


def test_the_installed_wheel_writes_modules_and_handouts(installed, tmp_path):
    assert "wrote" in chainrule(installed, tmp_path, "codegen", "xor_gate")
    assert (tmp_path / "xor_gate.py").is_file()  # the current directory, not site-packages
    report = chainrule(installed, tmp_path, "check", "xor_gate.py")
    assert "complex step" in report and "n/a" not in report
    chainrule(installed, tmp_path, "handout", "not_gate", "--pdf")
    assert (tmp_path / "not_gate.pdf").read_bytes().startswith(b"%PDF")
    assert "generated NumPy module" in chainrule(installed, tmp_path, "compare", "xor_gate")
    err = chainrule(installed, tmp_path, "codegen", "--all", status=2)
    assert "inside a chainrule checkout" in err and err.count("\n") == 1
    assert not list(installed.parent.rglob("generated"))


def test_the_installed_wheel_reads_keras_models(installed, tmp_path):
    shutil.copy(FIXTURES / "lamurias.keras", tmp_path)
    chainrule(installed, tmp_path, "import-keras", "lamurias.keras", "-o", "lamurias.toml")
    figures = json.loads((FIXTURES / "lamurias.figures.json").read_text())
    for spec in ("lamurias.toml", "lamurias.keras"):
        result = json.loads(chainrule(installed, tmp_path, "eval", spec, "--x",
                                      json.dumps(figures["x"]), "--y", json.dumps(figures["y"])))
        assert result["loss"] == pytest.approx(figures["exact"]["loss"], rel=1e-12)


def test_the_installed_wheel_runs_the_lessons(installed, tmp_path):
    # The lesson commands, their plots into the current directory.
    chainrule(installed, tmp_path, "descent", "--function", "x**2", "--x0=-4", "--rates", "0.8",
              "--steps", "5", "--plots", ".")
    chainrule(installed, tmp_path, "landscape", "not_gate", "--params", "w1", "b1",
              "--resolution", "11", "--plots", ".")
    chainrule(installed, tmp_path, "search", "not_gate", "--params", "W1[0,0]", "b1[0]",
              "--grid", "5", "--plots", ".")
    trained = chainrule(installed, tmp_path, "train", "keras_2_4_4_1", "--epochs", "3",
                        "--plots", ".")
    assert "after epoch 3" in trained
    assert len(list(tmp_path.glob("*.png"))) >= 4


def test_outside_the_checkout_codegen_writes_to_the_current_directory(run, tmp_path,
                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run("codegen", "or_gate")
    assert status == 0 and (tmp_path / "or_gate.py").is_file()
    assert out.strip() == f"wrote {tmp_path / 'or_gate.py'}"
    status, _, err = run("codegen", "--all")
    assert status == 2 and "inside a chainrule checkout" in err
