"""A network's lesson setting: its generated module in memory, data, start and names.

Contract: ``setting(spec, seed)`` loads the spec, renders its training module with
``codegen.emit`` and loads it in memory (``codegen.loader.load_source``: no file is
written), and returns a ``Setting``: the module (whose ``loss``, ``gradients``, ``train``,
``forward`` every lesson uses; nothing here computes a loss or a gradient itself), the spec's
data, ``train()``'s defaults (the spec's training settings), and the starting parameters: the
spec's own, else ``init_params(seed)`` of the module, with the input standardisation that
``train()`` fits when the spec standardises. ``entries(setting, names)`` reads parameter names
in the notation (``w1``, ``t_1``, ``w_x1``) or canonical (``W1[0,0]``); an unknown or repeated
name is a ``SpecError`` listing what exists. A network gradient descent cannot train, or one
without data, is a ``SpecError``.
"""

from __future__ import annotations

import inspect
import re
import types
from dataclasses import dataclass, field

import numpy as np

from codegen.emit import render
from codegen.loader import load_source
from derive import spec as specs
from derive.errors import SpecError
from derive.network import Network
from derive.notation import Name, get_notation

_ENTRY = re.compile(r"([Wb]\d+)\[(\d+)(?:,(\d+))?\]\Z")


@dataclass
class Setting:
    """What a lesson on one network works with (see the module docstring)."""

    net: Network
    module: types.ModuleType
    X: np.ndarray
    Y: np.ndarray
    start: dict[str, np.ndarray]
    defaults: dict[str, object]
    names: dict[str, Name] = field(default_factory=dict)

    @property
    def standardized(self) -> bool:
        """Whether the inputs are standardised (x_mean, x_scale in the parameters)."""
        return "x_mean" in self.start

    def loss(self, params: dict[str, np.ndarray]) -> float:
        """The cost of ``params`` over all the data, by the generated module."""
        return float(self.module.loss(params, self.X, self.Y))


def generated_module(net: Network, spec: str | None = None) -> types.ModuleType:
    """``net``'s training module, rendered fresh and loaded in memory."""
    return load_source(render(net, spec or net.name), net.name)


def train_defaults(module: types.ModuleType) -> dict[str, object]:
    """The keyword defaults of ``module.train`` (the spec's training settings): its
    ``SETTINGS`` table, or its keyword-only parameters' defaults."""
    if isinstance(getattr(module, "SETTINGS", None), dict):
        return dict(module.SETTINGS)
    return {name: p.default for name, p in inspect.signature(module.train).parameters.items()
            if p.kind is p.KEYWORD_ONLY}


def setting(spec: str | Network, seed: int | None = None) -> Setting:
    """The lesson setting of ``spec`` (a spec path, an example name or a ``Network``)."""
    net = spec if isinstance(spec, Network) else specs.load(spec)
    net.trainable()
    if net.data is None:
        raise SpecError(f"{net.name} carries no data; add a data table to the spec")
    module = generated_module(net, None if isinstance(spec, Network) else str(spec))
    defaults = train_defaults(module)
    X = np.asarray(net.data["x"], dtype=float)
    Y = np.asarray(net.data["y"], dtype=float)
    seed = defaults["seed"] if seed is None else seed
    params = ({k: np.array(v, dtype=float) for k, v in net.params.items()}
              if net.params is not None else module.init_params(seed))
    if defaults.get("standardize"):
        # What train() fits before its first epoch (it needs at least one epoch to be run):
        # each input column's mean, and its spread, 1 where the column is constant.
        std = X.std(axis=0)
        params = {**params, "x_mean": X.mean(axis=0), "x_scale": np.where(std > 0, std, 1.0)}
    names = get_notation(net.notation).table(net)
    return Setting(net, module, X, Y, params, defaults, names)


def entries(s: Setting, names: list[str]) -> list[str]:
    """Canonical entries (``W1[0,0]``) of parameter names in either spelling."""
    canonical = s.net.param_entries()
    by_name = {}
    for key in canonical:
        by_name[s.names[key].ident] = key
        by_name[s.names[key].text] = key
    found = []
    for name in names:
        key = name.replace(" ", "")
        key = key if key in canonical else by_name.get(name)
        if key is None:
            sample = ", ".join(s.names[k].ident for k in canonical[:4])
            raise SpecError(f"no parameter {name!r} in {s.net.name}; use a name of its "
                            f"notation such as {sample}, or a canonical entry such as "
                            f"{canonical[0]}")
        if key in found:
            raise SpecError(f"parameter {name!r} is given twice (it is {key})")
        found.append(key)
    return found


def locate(key: str) -> tuple[str, tuple[int, ...]]:
    """``W1[0,1]`` → (``W1``, (0, 1)); ``b2[3]`` → (``b2``, (3,))."""
    match = _ENTRY.match(key)
    if not match:
        raise SpecError(f"{key!r} is not a canonical entry such as W1[0,0] or b1[0]")
    tensor, *index = match.groups()
    return tensor, tuple(int(i) for i in index if i is not None)


def with_values(params: dict[str, np.ndarray], keys: list[str],
                values) -> dict[str, np.ndarray]:
    """A copy of ``params`` with the entries ``keys`` set to ``values``."""
    out = {k: np.array(v, dtype=float, copy=True) for k, v in params.items()}
    for key, value in zip(keys, values, strict=True):
        tensor, index = locate(key)
        out[tensor][index] = value
    return out


def values_of(params: dict[str, np.ndarray], keys: list[str]) -> list[float]:
    """The entries ``keys`` of ``params``."""
    return [float(params[t][i]) for t, i in map(locate, keys)]


def gradient_of(s: Setting, params: dict[str, np.ndarray], keys: list[str]) -> list[float]:
    """∂E/∂θ for the entries ``keys``, by the generated module's ``gradients``."""
    grads = s.module.gradients(params, s.X, s.Y)
    return [float(grads[t][i]) for t, i in map(locate, keys)]


def label(s: Setting, key: str) -> str:
    """The notation's symbol of an entry, as matplotlib mathtext (``$w^{(1)}$``)."""
    return f"${s.names[key].latex}$"


def cost_label(s: Setting) -> str:
    """The symbol of the whole cost as mathtext: the notation's loss symbol, C for C_k."""
    latex = s.names["E"].latex
    # C_k names one example's cost in the Coursera exercise; over all examples it is C.
    return f"${latex.removesuffix('_k')}$"
