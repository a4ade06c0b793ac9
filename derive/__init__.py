"""chainrule's mathematics: networks, notations, chain-rule derivations, their verification.

The model (``network``, ``spec``, ``notation``), the registries (``activations``, ``losses``),
the derivations (``symbolic``, ``derivation``, ``delta``, ``report``), their verification
(``verify``) and float64/mpmath evaluation (``numeric``); plain expressions in ``expression``;
renderers (text, LaTeX, Markdown, JSON, handouts, Jupyter display) in ``render``. Core modules
import nothing from ``render``; importing this package attaches the Jupyter display methods.
"""

from derive.render.jupyter import attach

attach()
