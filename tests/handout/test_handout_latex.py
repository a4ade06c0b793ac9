"""Every handout and exercise sheet compiles with real pdflatex, with no box overfull by > 1pt:
the built-in examples' and those of networks hypothesis draws, in every notation."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from strategies import networks

from codegen.cli.handout import sheets_of
from codegen.latex import compile_pdf, latex_error, overfull
from derive.errors import ChainruleError
from derive.notation import NOTATIONS
from derive.render.handout import files
from derive.spec import examples, load

SHEETS = sheets_of(list(examples()), exercises=True)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """{file name: log or the ChainruleError}, compiled four at a time."""
    out = tmp_path_factory.mktemp("handouts")

    def one(item):
        name, tex = item
        try:
            return name, compile_pdf(tex, out / name.replace(".tex", ".pdf"))
        except ChainruleError as exc:
            return name, exc

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(one, SHEETS.items())) | {"_dir": out}


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_sheet_compiles_without_overfull_boxes(compiled, name):
    log = compiled[name]
    assert not isinstance(log, Exception), str(log)
    assert (compiled["_dir"] / name.replace(".tex", ".pdf")).stat().st_size > 5000
    too_wide = [w for w in overfull(log) if w > 1.0]
    assert not too_wide, f"{name}: overfull boxes {too_wide}pt"


def test_injection_through_a_spec_is_escaped_and_compiles(tmp_path):
    spec = {"name": "evil", "inputs": ["x_1", "x_2"], "layers": [{"units": 1,
                                                                    "activation": "sigmoid"}],
            "description": r"\input{/etc/passwd} \write18{touch pwned} } { $ & % # _ ^ ~ \ "
                           "— ünïcödé →"}
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(spec))
    tex = files(load(str(path)))["evil.tex"]
    assert r"\input{/etc/passwd}" not in tex and r"\write18{" not in tex
    log = compile_pdf(tex, tmp_path / "evil.pdf")
    assert (tmp_path / "evil.pdf").exists() and "passwd" not in log.split("(./handout.tex")[-1]
    assert not (tmp_path / "pwned").exists()


def test_latex_failure_is_one_line_with_the_line_number(tmp_path):
    bad = "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n\\end{document}\n"
    with pytest.raises(ChainruleError) as info:
        compile_pdf(bad, tmp_path / "bad.pdf")
    message = str(info.value)
    assert "line 3" in message and "Undefined control sequence" in message
    assert "\n" not in message and not (tmp_path / "bad.pdf").exists()
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_latex_error_parses_classic_logs():
    assert latex_error("! Missing $ inserted.\n<inserted text>\nl.42 x^2") == \
        "line 42: Missing $ inserted."


@pytest.mark.parametrize("notation", sorted(NOTATIONS))
@settings(max_examples=3, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking compiles for minutes
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(net=networks(depths=(1, 5), trainable=False))
def test_drawn_networks_compile_clean_in_every_notation(tmp_path, notation, net):
    assume(len(net.layers) <= 3)  # the depths a handout is laid out for
    try:
        sheets = files(net, notation, exercises=True)
    except ChainruleError:  # a notation may refuse a network whose names it cannot spell
        assume(False)
    for name in (f"{net.name}.tex", f"{net.name}-questions.tex"):
        log = compile_pdf(sheets[name], tmp_path / name.replace(".tex", ".pdf"))
        too_wide = [w for w in overfull(log) if w > 1.0]
        assert not too_wide, f"{notation} {net.sizes}: overfull boxes {too_wide}pt in {name}"
