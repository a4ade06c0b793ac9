"""`chainrule check` on broken modules and bad options: one line on stderr, exit 2, always.

Each broken module is a generated module with one function redefined at its end, so the cases
hold whatever style the module is written in."""

import pytest

from codegen.emit import GENERATED

OR_GATE = (GENERATED / "or_gate.py").read_text()


def _overriding(name: str, body: str) -> str:
    """OR_GATE with ``name`` redefined: ``body`` may call the original as ``_original``."""
    args = {"init_params": "seed=0", "loss": "params, X, Y", "gradients": "params, X, Y"}[name]
    call = args.replace("=0", "")
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return (f"{OR_GATE}\n\n_original_{name} = {name}\n\n\ndef {name}({args}):\n"
            f"    _original = _original_{name}\n    _ = _original({call})\n{lines}")


BROKEN = {
    "gradients raises": (
        _overriding("gradients", 'raise ValueError("bad\\nrows")'),
        "or_gate_broken.py: gradients() raised ValueError: bad rows"),
    "gradients exits": (
        _overriding("gradients", "raise SystemExit(0)"), "gradients() raised SystemExit: 0"),
    "gradients misses a key": (
        _overriding("gradients", '_.pop("b2")\nreturn _'),
        "gradients() gives no gradient of the right shape for b2"),
    "gradients gives text": (
        _overriding("gradients", '_["W1"] = "text"\nreturn _'),
        "gradients() gives no gradient of the right shape for W1"),
    "gradients gives no dict": (
        _overriding("gradients", "return list(_)"), "gradients() gives list, not a dict"),
    "params lack W1": (
        _overriding("init_params", '_["W9"] = _.pop("W1")\nreturn _'),
        "init_params() gives no W1 (it has b1, W2, b2, W9)"),
    "params lack b2": (
        _overriding("init_params", '_.pop("b2")\nreturn _'), "() raised"),
    "init_params raises": (
        _overriding("init_params", 'raise RuntimeError("no seed")'),
        "init_params() raised RuntimeError: no seed"),
    "loss is not finite": (
        _overriding("loss", 'return float("nan")'), "loss() gives nan, not a finite number"),
    "loss raises": (
        _overriding("loss", "return 1 / 0"), "loss() raised ZeroDivisionError: division by zero"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_module_is_one_line(run, tmp_path, case):
    source, message = BROKEN[case]
    path = tmp_path / "or_gate_broken.py"
    path.write_text(source)
    status, out, err = run("check", str(path))
    assert (status, out) == (2, ""), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err, err
    if case == "params lack b2":  # the module's own complaint, named: b2 is what is missing
        assert "b2" in err


@pytest.mark.parametrize("seed", ["-5", "-1"])
def test_a_negative_seed_is_refused(run, seed):
    status, out, err = run("check", "or_gate", "--seed", seed)
    assert (status, out) == (2, "")
    assert err == f"chainrule: seed {seed}: the seed must be a whole number ≥ 0, e.g. --seed 0\n"


def test_the_unbroken_module_passes_at_other_seeds(run, tmp_path):
    path = tmp_path / "or_gate.py"
    path.write_text(_overriding("gradients", "return _"))  # the override itself is harmless
    for seed in ("0", "7"):
        status, out, err = run("check", str(path), "--seed", seed)
        assert status == 0 and out.rstrip().splitlines()[-1].startswith("ok:"), out + err
