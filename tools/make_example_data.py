"""Regenerate the data files of the built-in examples in derive/examples/, byte for byte.

    python3 tools/make_example_data.py          # rewrite the files
    python3 tools/make_example_data.py --check  # exit 1 if a committed file differs

Writes iris.csv.gz (iris_4_3_2), keras_moons.csv.gz (keras_2_4_4_1) and digits.csv.gz
(digits). Each is a CSV whose columns are the spec's inputs, then its targets, with one
``#`` comment line naming them; the gzip header carries mtime 0 and no file name, so the
bytes depend only on the data. scikit-learn is needed here only for the two data sets it
ships (iris, digits); chainrule itself does not depend on it.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "derive" / "examples"


def to_csv(header: list[str], x: np.ndarray, y: np.ndarray) -> bytes:
    """One ``#`` line naming the columns, then a row per example: the inputs, then the targets.

    Integer arrays are written as integers; floats as the shortest text that reads back
    exactly (repr), so 3.0 stays 3.0 and 0.1235 stays 0.1235.
    """
    lines = ["# " + ",".join(header)]
    lines += [",".join(map(repr, a.tolist() + b.tolist())) for a, b in zip(x, y, strict=True)]
    return ("\n".join(lines) + "\n").encode()


def gz(text: bytes) -> bytes:
    return gzip.compress(text, compresslevel=9, mtime=0)


def iris() -> bytes:
    """Setosa vs versicolor: the first 100 rows of Fisher's iris, one-hot targets."""
    from sklearn.datasets import load_iris

    data = load_iris()
    keep = data.target < 2
    x = data.data[keep]
    y = np.eye(2, dtype=np.int64)[data.target[keep]]
    # The lecture's worked example (001_…txt) multiplies this setosa row by the weights.
    if not any((r == [4.9, 3.0, 1.4, 0.2]).all() and t[0] == 1 for r, t in zip(x, y, strict=True)):
        raise SystemExit("iris: the setosa row (4.9, 3.0, 1.4, 0.2) is missing")
    # x_1..x_4: sepal length, sepal width, petal length, petal width (cm).
    header = ["x_1", "x_2", "x_3", "x_4", "y_setosa", "y_versicolor"]
    return to_csv(header, x, y)


def moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> bytes:
    """Two interleaved half-moons with Gaussian noise, label 0 for the upper, 1 for the lower."""
    rng = np.random.default_rng(seed)
    half = n // 2
    angle = np.linspace(0.0, np.pi, half)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    x = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(2 * half, 2))
    y = np.repeat([0, 1], half)
    order = rng.permutation(2 * half)
    x = np.round(x[order], 4) + 0.0  # + 0.0 turns a rounded -0.0 into 0.0
    return to_csv(["x_1", "x_2", "y"], x, y[order, None])


def digits() -> bytes:
    """sklearn's 8x8 handwritten digits: 64 pixel values 0..16, then 10 one-hot columns."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = data.data.astype(np.int64)
    y = np.eye(10, dtype=np.int64)[data.target]
    # y_k marks the digit k − 1, so that it pairs with the output a_k, both counted from 1.
    header = [f"x_{i + 1}" for i in range(64)] + [f"y_{k + 1}" for k in range(10)]
    return to_csv(header, x, y)


FILES = {"iris.csv.gz": iris, "keras_moons.csv.gz": moons, "digits.csv.gz": digits}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the files on disk instead of writing"
    )
    args = parser.parse_args(argv)
    stale = []
    for name, make in FILES.items():
        path = EXAMPLES / name
        blob = gz(make())
        if args.check:
            if not path.is_file() or path.read_bytes() != blob:
                stale.append(name)
        else:
            path.write_bytes(blob)
            print(f"wrote {path} ({len(blob)} bytes)")
    for name in stale:
        print(f"{name} differs from a fresh generation", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
