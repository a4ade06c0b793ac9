"""Writing a network as a standalone training module, in a style and for a target.

Contract: ``render(net, spec, style, target)`` returns the module's source text — a pure
function of the network, the spec label and the choice, so the same spec gives the same
bytes — laid out by the Jinja2 templates in ``codegen/templates`` (which only arrange code:
every name and expression comes from the style's context module). ``STYLES`` lists the
(style, target) pairs: ``lesson`` (``codegen.lesson``, the default: plain NumPy a student can
follow) and ``fast`` (``codegen.fast``, tuned NumPy) for ``numpy``, and ``lesson`` for
``torch`` (``codegen.torch_target``). Every statement of every style comes from the lowering
of the delta form (``codegen.lower``); all spec text goes through ``codegen.literal``.
``write_module`` writes atomically, by default to ``generated/NAME.py`` (lesson) or
``generated/fast/NAME.py`` (fast). ``regenerate_all()`` rewrites both for every built-in
example gradient descent can train. Every module has the API ``init_params``, ``forward``,
``loss``, ``gradients``, ``train`` and ``predict``; ``python NAME.py`` trains on the spec's
data, embedded in the file.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from codegen import fast, lesson, torch_target
from codegen.files import in_checkout, output_dir, write_atomic
from codegen.literal import install
from codegen.parts import training_settings
from derive import spec as specs
from derive.errors import ChainruleError, SpecError
from derive.network import Network

REPO = Path(__file__).resolve().parent.parent
GENERATED = REPO / "generated"
__all__ = ["GENERATED", "STYLES", "render", "training_settings", "write_module"]

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
)
install(ENV)

STYLES = (("lesson", "numpy"), ("fast", "numpy"), ("lesson", "torch"))
_TEMPLATES = {("lesson", "numpy"): ("lesson.py.j2", lesson.context),
              ("fast", "numpy"): ("module.py.j2", fast.context),
              ("lesson", "torch"): ("torch.py.j2", torch_target.context)}


def render(net: Network, spec: str | None = None, style: str = "lesson",
           target: str = "numpy") -> str:
    """The source of ``net``'s training module; ``spec`` names where it came from."""
    if (style, target) not in _TEMPLATES:
        raise SpecError(f"there is no {style} style for the {target} target; use one of: " +
                        ", ".join(f"--style {s} --target {t}" for s, t in STYLES))
    name, build = _TEMPLATES[style, target]
    c = build(net, spec or net.name)
    return ENV.get_template(name).render(c=c, **c)


def default_path(net: Network, style: str = "lesson", target: str = "numpy") -> Path:
    """Where a module goes unless told otherwise: inside a chainrule checkout
    generated/NAME.py, generated/fast/NAME.py or generated/torch/NAME.py; elsewhere NAME.py in
    the current directory (``codegen.files.output_dir``)."""
    if not in_checkout():
        return output_dir() / f"{net.name}.py"
    folder = GENERATED if (style, target) == ("lesson", "numpy") else \
        GENERATED / ("torch" if target == "torch" else style)
    return folder / f"{net.name}.py"


def write_module(net: Network, path: str | Path | None = None, spec: str | None = None,
                 style: str = "lesson", target: str = "numpy") -> Path:
    """Render ``net`` and write it to ``path`` atomically; return the path written."""
    source = render(net, spec, style, target)
    path = Path(path) if path is not None else default_path(net, style, target)
    return write_atomic(path, source)


def buildable_examples() -> list[str]:
    """The built-in examples that gradient descent can train (no threshold units)."""
    names = []
    for name in specs.examples():
        try:
            specs.load(name).trainable()
        except ChainruleError:
            continue
        names.append(name)
    return names


def regenerate_all(directory: str | Path | None = None) -> list[Path]:
    """Write the lesson and fast module of every trainable built-in example (the fast ones
    in ``fast/``); return the paths written."""
    directory = Path(directory) if directory is not None else GENERATED
    written = []
    for name in buildable_examples():
        net = specs.load(name)
        written.append(write_module(net, directory / f"{name}.py", name))
        written.append(write_module(net, directory / "fast" / f"{name}.py", name, "fast"))
    return written
