"""chainrule's mathematics: networks, notations, chain-rule derivations, their verification.

The Python API, in one import::

    from derive import Network, Dense, derive_report, load_spec
    net = Network(inputs=2, layers=[Dense(2, "sigmoid"), Dense(1, "sigmoid")])
    report = derive_report(net, wrt=["W1[0,0]"])
    print(report)              # the text `chainrule derive` prints; also report.to_latex(),
                               # .to_markdown(), .to_json(); Jupyter shows it as MathJax

``Network`` and ``Dense`` describe a network (``derive.network``); ``load_spec`` reads a spec
file, a Keras model or a built-in example (``derive.spec.load``); ``derive_report`` derives and
verifies (``derive.report.build``). Inside: the model (``network``, ``spec``, ``keras``,
``notation``), the registries (``activations``, ``losses``), the derivations (``symbolic``,
``derivation``, ``delta``, ``report``), their verification (``verify``) and float64/mpmath
evaluation (``numeric``); plain expressions in ``expression``; renderers (text, LaTeX, Markdown,
JSON, handouts, Jupyter display) in ``render``. Core modules import nothing from ``render``;
importing this package attaches the display methods (``derive.render.jupyter``).
"""

from derive.network import Dense, Network
from derive.render.jupyter import attach
from derive.report import Report
from derive.report import build as derive_report
from derive.spec import load as load_spec

attach()

__all__ = ["Dense", "Network", "Report", "derive_report", "load_spec"]
