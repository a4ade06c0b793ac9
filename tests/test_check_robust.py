"""`chainrule check` on broken modules and bad options: one line on stderr, exit 2, always."""

import pytest

from codegen.emit import GENERATED

OR_GATE = (GENERATED / "or_gate.py").read_text()
GRADIENTS = "def gradients(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict:\n"
INIT = "    rng = np.random.default_rng(seed)\n    return {\n"


def _edited(old: str, new: str) -> str:
    assert OR_GATE.count(old) == 1, old
    return OR_GATE.replace(old, new)


BROKEN = {
    "gradients raises": (
        _edited(GRADIENTS, GRADIENTS + '    raise ValueError("bad\\nrows")\n'),
        "or_gate_broken.py: gradients() raised ValueError: bad rows"),
    "gradients misses a key": (
        _edited("\n    return grads\n", '\n    grads.pop("b2")\n    return grads\n'),
        "gradients() gives no gradient of the right shape for b2"),
    "gradients gives text": (
        _edited("\n    return grads\n", '\n    grads["W1"] = "text"\n    return grads\n'),
        "gradients() gives no gradient of the right shape for W1"),
    "gradients gives no dict": (
        _edited("\n    return grads\n", "\n    return list(grads)\n"),
        "gradients() gives list, not a dict"),
    "params lack W1": (
        _edited(INIT, '    return {"W9": np.zeros((2, 2))}\n' + INIT),
        "init_params() gives no W1 (it has W9)"),
    "params lack b2": (
        _edited('        "b2": np.zeros(1, DTYPE),\n', ""),
        "raised KeyError: 'b2'"),
    "gradients exits": (
        _edited(GRADIENTS, GRADIENTS + "    raise SystemExit(0)\n"),
        "gradients() raised SystemExit: 0"),
    "init_params raises": (
        _edited(INIT, '    raise RuntimeError("no seed")\n' + INIT),
        "init_params() raised RuntimeError: no seed"),
    "loss is not finite": (
        _edited("    return _loss_sum(work, np.asarray(Y, dtype=DTYPE)).item()\n",
                '    return float("nan")\n'),
        "loss() gives nan, not a finite number"),
    "loss raises": (
        _edited("    return _loss_sum(work, np.asarray(Y, dtype=DTYPE)).item()\n",
                "    return 1 / 0\n"),
        "loss() raised ZeroDivisionError: division by zero"),
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


@pytest.mark.parametrize("seed", ["-5", "-1"])
def test_a_negative_seed_is_refused(run, seed):
    status, out, err = run("check", "or_gate", "--seed", seed)
    assert (status, out) == (2, "")
    assert err == f"chainrule: seed {seed}: the seed must be a whole number ≥ 0, e.g. --seed 0\n"


def test_the_unbroken_module_passes_at_other_seeds(run, tmp_path):
    path = tmp_path / "or_gate.py"
    path.write_text(OR_GATE)
    for seed in ("0", "7"):
        status, out, err = run("check", str(path), "--seed", seed)
        assert status == 0 and out.rstrip().splitlines()[-1].startswith("ok:"), out + err
