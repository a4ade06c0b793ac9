"""``chainrule check`` takes the complex step wherever ``compare`` does."""

import re

KERAS = "tests/fixtures/keras/binary_classifier.keras"


def test_check_takes_the_complex_step_through_logaddexp(run):
    status, out, err = run("check", KERAS)  # binary cross-entropy: np.logaddexp in the module
    assert status == 0, err
    rows = [line.split() for line in out.splitlines()[2:-1]]
    assert [r[0] for r in rows] == ["W1", "W2", "b2"]
    assert all(r[1] == r[2] for r in rows)  # every entry checked
    assert all(float(r[4]) < 1e-12 for r in rows)  # a number, not n/a, and a tight one
    assert "n/a" not in out and re.search(r"^ok:", out, re.M)
    status, out, _ = run("compare", KERAS)
    assert re.search(r"^complex step \(h = 1\.0e-20\)\s+\d\.\d\de-\d\d", out, re.M)
