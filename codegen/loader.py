"""Loading a generated training module: from a file or from source text, in memory.

Contract: ``load_file(path)`` and ``load_source(source, name)`` return a fresh module object
holding a module ``chainrule codegen`` wrote. Nothing is imported by name and nothing is put
in ``sys.modules``: the text is compiled (under its file name, so tracebacks and debuggers
show the real lines) and run in a new module's namespace. A module must have the pinned API,
``API``. Every way this can fail raises a ``ChainruleError`` whose one-line message names the
module and says what to give instead:

* the file is missing, is a directory or cannot be read as UTF-8 text;
* the text does not parse (the ``SyntaxError`` and its line);
* the text binds none of or only part of ``API`` at its top level — found before any of it
  runs, so a stray Python file is refused without being executed;
* running it raises (the exception's type and message) or exits (``SystemExit``);
* after running, a name of ``API`` is not a function.
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

from derive.errors import ChainruleError

# The functions every generated module defines, in every style.
API = ("init_params", "forward", "loss", "gradients", "train", "predict")
FIX = "give a module that chainrule codegen wrote"


def one_line(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` of ``exc`` on one line, at most about ``limit`` characters."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_file(path: str | Path) -> types.ModuleType:
    """The generated module in the file ``path`` (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise ChainruleError(f"module {str(path)!r} not found; {FIX}")
    if not path.is_file():
        raise ChainruleError(f"{path} is not a file; {FIX}")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChainruleError(f"cannot read {path} ({one_line(exc)}); {FIX}") from None
    return load_source(source, path.stem, label=str(path), filename=str(path.resolve()))


def load_source(source: str, name: str, label: str | None = None,
                filename: str | None = None) -> types.ModuleType:
    """Run generated ``source`` as a fresh module named ``name``. ``label`` names it in error
    messages (default ``name``); ``filename`` is what tracebacks show (default ``<name>``)."""
    label = label or name
    filename = filename or f"<chainrule {name}>"
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte in the text
        where = f" at line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise ChainruleError(f"{label} does not parse ({type(exc).__name__}{where}: "
                             f"{getattr(exc, 'msg', exc)}); {FIX}") from None
    missing = [n for n in API if n not in _top_level_names(tree)]
    if missing:
        raise ChainruleError(f"{label} is not a chainrule module: it lacks "
                             f"{', '.join(missing)}; {FIX}")
    module = types.ModuleType(name)
    module.__file__ = filename
    try:
        exec(compile(tree, filename, "exec"), module.__dict__)
    except SystemExit as exc:
        raise ChainruleError(f"importing {label} exited (SystemExit {exc.code!r}); "
                             f"{FIX}") from None
    except Exception as exc:  # the module's own code failed
        raise ChainruleError(f"importing {label} failed ({one_line(exc)}); {FIX}") from None
    uncallable = [n for n in API if not callable(getattr(module, n, None))]
    if uncallable:
        raise ChainruleError(f"{label} is not a chainrule module: {', '.join(uncallable)} "
                             f"{'is' if len(uncallable) == 1 else 'are'} not a function; {FIX}")
    return module


def _top_level_names(tree: ast.Module) -> set[str]:
    """Names a module's top-level statements bind (definitions, assignments, imports)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names
