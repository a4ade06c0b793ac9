"""``python -m codegen.cli``: the same as the ``chainrule`` command."""

import sys

from codegen.cli import main

sys.exit(main())
