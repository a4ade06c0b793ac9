"""``python -m codegen.regenerate [--no-pdf]``: remake everything the repository commits as
output — the training module of every built-in example in ``generated/``, the handouts and
exercise sheets in ``docs/handouts/`` (``.tex`` and, unless ``--no-pdf``, ``.pdf``) and the
pictures of the training lesson in ``docs/lessons/``.

A repository tool, not a user command: tests compare these files with a fresh generation.
"""

from __future__ import annotations

import argparse
import sys

from codegen.cli.handout import regenerate
from codegen.emit import regenerate_all
from codegen.lessons import lecture
from derive.errors import ChainruleError


def main(argv: list[str] | None = None) -> int:
    """Remake the committed outputs; print each path written."""
    parser = argparse.ArgumentParser(prog="python -m codegen.regenerate")
    parser.add_argument("--no-pdf", action="store_true", help="leave the PDFs as they are")
    args = parser.parse_args(argv)
    try:
        for path in [*regenerate_all(), *regenerate(pdf=not args.no_pdf), *lecture.regenerate()]:
            print(f"wrote {path}")
    except ChainruleError as exc:
        print(f"chainrule: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
