"""The ``handout`` subcommand: LaTeX (or Markdown) handouts, exercise sheets and their PDFs.

Contract: ``COMMAND`` adds ``handout``; its ``func`` writes the sheets of one
spec (``--all``: of every built-in example) into ``-o DIR`` (default: the current directory),
or one sheet to ``-o FILE.tex`` (``.md``) in its folder, and, with ``--pdf``, compiles each
``.tex`` beside it (``codegen.latex``, in parallel). Every
file is rendered before any is written, then all are written or none. ``regenerate(directory)``
remakes ``docs/handouts`` — each example's handout and exercise sheets, ``.tex`` and ``.pdf``
— and is part of what ``python -m codegen.regenerate`` runs. Bad input raises a
``ChainruleError`` (one line, exit status 2). ``--compare`` measures the differentiation
methods (``codegen.compare``) and adds their section and PNG plots to each handout;
``--lessons`` adds the training section (``codegen.lessons.lecture``) and its PNG plots.
``--blank`` chooses what the question sheets leave blank and ask, ``--variants N`` writes N
seeded variants (each with its solutions), ``--answers`` an answers-only key.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codegen import progress
from codegen.cli.command import Command, spec_argument
from codegen.files import staged
from codegen.latex import compile_pdf, require_pdflatex
from codegen.listing import implementation
from derive import spec as specs
from derive.errors import SpecError
from derive.notation import NOTATIONS
from derive.render.handout import LEVELS, PARTS, files, parse_blank

HELP = "write a LaTeX (or Markdown) derivation handout, optionally as PDF"
DESCRIPTION = (
    "Write NAME.tex: the network drawn, its parameters, function, loss, each "
    "derivation step by step, the delta form and a worked example in numbers.")

MAX_VARIANTS = 200
DOCS = Path(__file__).resolve().parents[2] / "docs" / "handouts"


def sheets_of(names: list[str], notation: str | None = None, wrt: list[str] | None = None,
              exercises: bool = False, markdown: bool = False,
              figures: dict[str, bytes] | None = None,
              lessons: dict[str, bytes] | None = None, blank: list[str] | None = None,
              variants: int = 0, answers: bool = False) -> dict[str, str]:
    """File name → text for every sheet of every spec in ``names``. With a ``figures`` dict,
    each handout gains the comparison of differentiation methods, and its plots are added
    to ``figures`` (file name → PNG bytes); with a ``lessons`` dict, the training section
    (``codegen.lessons.lecture``), its plots added to ``lessons``."""
    out: dict[str, str] = {}
    with progress.task("writing handouts", len(names)) as bar:
        for name in names:
            bar.step(str(name))
            net = specs.load(name)
            comparison = training = None
            if figures is not None:
                from codegen.cli.compare import handout_data

                comparison, plots = handout_data(net)
                figures.update(plots)
            if lessons is not None:
                from codegen.lessons import lecture

                training, plots = lecture.handout_data(net)
                lessons.update(plots)
            out.update(files(net, notation, wrt, exercises, markdown, _implementation(net),
                             comparison, training, blank, variants, answers))
    return out


def _implementation(net) -> dict[str, list[str]] | None:
    """The generated module's lines per equation; none for networks it cannot train."""
    try:
        net.trainable()
    except SpecError:
        return None
    return implementation(net)


def write(texts: dict[str, str], directory: Path, pdf: bool = False,
          figures: dict[str, bytes] | None = None) -> list[Path]:
    """Write the sheets and ``figures`` (and compile the ``.tex`` ones, in parallel, with the
    figures beside them); return the paths. All or nothing: every file is built in a
    temporary folder inside ``directory`` and moved in once all are (``codegen.files``)."""
    figures = figures or {}
    pdfs = {Path(name).with_suffix(".pdf").name: text
            for name, text in texts.items() if pdf and name.endswith(".tex")}
    if pdfs:
        require_pdflatex()
    with staged(directory) as stage:
        stage.expect([*figures, *texts, *pdfs])
        for name, data in {**figures, **texts}.items():
            stage.write(name, data)
        jobs = [(text, stage.path(name)) for name, text in pdfs.items()]
        with progress.task("compiling with pdflatex", len(jobs)) as bar, \
                ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda job: _compiled(*job, figures, bar), jobs))
    return stage.written


def _compiled(tex: str, path: Path, figures: dict[str, bytes], bar: progress.Task) -> Path:
    bar.step(path.name)
    compile_pdf(tex, path, files=figures)
    return path


def regenerate(directory: Path = DOCS, pdf: bool = True) -> list[Path]:
    """Remake every built-in example's handout and exercise sheets in ``directory``."""
    return write(sheets_of(list(specs.examples()), exercises=True), directory, pdf)


def run_handout(args: argparse.Namespace) -> int:
    """Write the sheets the arguments ask for; print each path written."""
    if args.all == bool(args.spec):
        raise SpecError("give a spec file or example name, or --all")
    names = list(specs.examples()) if args.all else [args.spec]
    if args.pdf:
        require_pdflatex()  # before the work, not after it
    markdown = args.format == "markdown" or args.markdown
    if markdown and args.pdf:
        raise SpecError("--pdf compiles LaTeX; drop --format markdown")
    if not 0 <= args.variants <= MAX_VARIANTS:
        raise SpecError(f"--variants takes 0 to {MAX_VARIANTS}, not {args.variants}")
    parse_blank(args.blank)
    if (args.blank or args.answers) and not (args.exercises or args.variants):
        raise SpecError("--blank and --answers shape exercise sheets; add --exercises or "
                        "--variants N")
    directory, name = _output(Path(args.output), markdown,
                              several=args.all or args.exercises or bool(args.variants))
    figures: dict[str, bytes] | None = {} if args.compare else None
    lessons: dict[str, bytes] | None = {} if args.lessons else None
    texts = sheets_of(names, args.notation, args.wrt, args.exercises, markdown, figures,
                      lessons, args.blank, args.variants, args.answers)
    if name:
        (text,) = texts.values()
        texts = {name: text}
    pictures = {**(figures or {}), **(lessons or {})} or None
    for path in write(texts, directory, args.pdf, pictures):
        print(f"wrote {path}")
    return 0


def _output(output: Path, markdown: bool, several: bool) -> tuple[Path, str | None]:
    """Where ``-o`` puts the sheets: a folder (the sheets keep their names), or, for one
    sheet, a file named as its kind ends (.tex, .md, in any case; ``--pdf`` writes the .pdf
    beside it) unless a folder of that name exists."""
    suffix = ".md" if markdown else ".tex"
    if output.is_dir() or output.suffix.lower() not in (".tex", ".md", ".pdf"):
        return output, None
    if several:
        raise SpecError(f"-o {output} names one file, but this writes several sheets; give "
                        "-o a folder")
    if output.suffix.lower() != suffix:
        pdf = ", and --pdf writes the .pdf beside it" if output.suffix.lower() == ".pdf" \
            and not markdown else ""
        raise SpecError(f"-o {output}: this sheet is {'Markdown' if markdown else 'LaTeX'}; "
                        f"give -o a {suffix} name{pdf}")
    return output.parent, output.name


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``handout``'s arguments."""
    spec_argument(p, optional=True)
    p.add_argument("--all", action="store_true", help="every built-in example")
    p.add_argument("--notation", choices=sorted(NOTATIONS), help="override the spec's notation")
    p.add_argument("--wrt", nargs="+", action="extend", metavar="NAME",
                   help="parameters to derive (default: all up to 9, else one weight and one "
                        "bias per layer)")
    p.add_argument("--exercises", action="store_true",
                   help="also write NAME-questions and NAME-solutions sheets")
    p.add_argument("--blank", nargs="+", action="extend", metavar="ITEM",
                   help=f"what the question sheets leave blank: one level of the derivations "
                        f"({', '.join(LEVELS)}; default alternate: every second line and the "
                        f"result) and the parts asked ({', '.join(PARTS)}; default all)")
    p.add_argument("--variants", type=int, default=0, metavar="N",
                   help="N exercise variants, NAME-questions-v1 … with their solutions, "
                        "variant k on seed k (fresh parameters and example)")
    p.add_argument("--answers", action="store_true",
                   help="also write NAME-answers: results and numbers only, no working")
    p.add_argument("-o", "--output", default=".",
                   help="directory to write to (default .), or for one sheet its file: "
                   "NAME.tex (NAME.md with --format markdown)")
    p.add_argument("--pdf", action="store_true", help="compile each .tex with pdflatex")
    p.add_argument("--compare", action="store_true",
                   help="add the comparison of symbolic, numeric and automatic "
                        "differentiation, with its plots (needs chainrule[compare])")
    p.add_argument("--lessons", action="store_true",
                   help="add the training section: the cost landscape with its descent path, "
                        "the loss curve and (two inputs) the decision boundary (needs "
                        "chainrule[lessons])")
    p.add_argument("--format", choices=["latex", "markdown"], default="latex")
    p.add_argument("--markdown", action="store_true", help="same as --format markdown")
    progress.add_arguments(p)


COMMAND = Command("handout", run_handout, add_arguments, HELP, DESCRIPTION)

