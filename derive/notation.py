"""Notations: how each course writes the same network's symbols.

Contract: a notation turns canonical names into ``Name`` triples (a SymPy-safe identifier,
LaTeX, Unicode text) and never changes the mathematics. Canonical keys are ``x[i]``, ``y[k]``,
``W{l}[i,j]``, ``b{l}[j]``, ``s{l}[j]`` (input-function value, no bias), ``z{l}[j]``
(pre-activation), ``a{l}[j]`` (unit output), ``delta{l}[j]`` (∂E/∂z), ``E`` (the loss); matrix
keys (``X``, ``Y``, ``W{l}``, ``b{l}``, ``Z{l}``, ``A{l}``, ``D{l}``) name the delta form's
quantities. ``convention`` is ``row`` (z = a W + b, batch rows) or ``column`` (z = W a + b);
``examples_in_columns`` makes a column notation's delta form hold m examples in columns
(Z = W A + b) instead of one. ``layout`` says both in words. Which way a weight's two indices
run follows from ``weight``; the handout's notation line says it on one weight.
``names_net_input`` says the notation names the bias-free sum (Rostock's i_1) and writes the
activation's argument as ``i_1 + t_1`` instead of naming z. ``table(network)`` raises
``SpecError`` when a notation would give two symbols one identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.errors import SpecError, entry

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


@dataclass(frozen=True)
class Name:
    """One symbol's spellings: identifier (SymPy-safe), LaTeX, and Unicode text."""

    ident: str
    latex: str
    text: str


def user_name(name: str) -> Name:
    """How a validated user name (``x``, ``x_1``, ``hours``) is written."""
    base, _, sub = name.partition("_")
    letters = base.rstrip("0123456789")
    if not sub and letters and len(letters) == 1 and letters != base:
        base, sub = letters, base[1:]  # d0 is d with index 0, as x1 is x₁: d_0, not "d0"
        return Name(name, f"{base}_{{{sub}}}", base + sub.translate(SUB))
    latex_base = base if len(base) == 1 else rf"\mathrm{{{base}}}"
    if not sub:
        return Name(name, latex_base, name)
    latex_sub = sub.replace("_", r"\_")
    latex_sub = latex_sub if len(sub) == 1 or sub.isdigit() else rf"\mathrm{{{latex_sub}}}"
    text = base + sub.translate(SUB) if sub.isdigit() else name
    return Name(name, f"{latex_base}_{{{latex_sub}}}", text)


def _idx(*indices: int) -> tuple[str, str]:
    """LaTeX and text of 1-based indices (commas once any reaches 10; digits subscripted in
    text either way: a₁₀, w₃,₁₀)."""
    parts = [str(i) for i in indices]
    sep = "," if any(i >= 10 for i in indices) else ""
    return sep.join(parts), sep.join(parts).translate(SUB)


class Notation:
    """The default notation: W⁽ˡ⁾, b⁽ˡ⁾, z⁽ˡ⁾, a⁽ˡ⁾, E; row (batch) convention."""

    key = "default"
    title = "default (W⁽ˡ⁾, b⁽ˡ⁾, z⁽ˡ⁾, a⁽ˡ⁾, E)"
    convention = "row"
    examples_in_columns = False
    names_net_input = False
    loss = Name("E", "E", "E")
    functions: dict[str, Name] = {}

    @property
    def layout(self) -> str:
        """The delta form's convention in words."""
        if self.convention == "row":
            return "row convention, a batch in rows"
        return "column convention, " + ("m examples in columns" if self.examples_in_columns
                                        else "one example")

    def table(self, net) -> dict[str, Name]:
        """Every canonical key of ``net`` mapped to its ``Name``; identifiers unique."""
        names: dict[str, Name] = {"E": self.loss}
        sizes = net.sizes
        for i, n in enumerate(net.inputs):
            names[f"x[{i}]"] = self.input(net, i, n)
        for k, n in enumerate(net.targets):
            names[f"y[{k}]"] = user_name(n)
        for l, layer in enumerate(net.layers, start=1):
            for j in range(layer.units):
                for i in range(sizes[l - 1]):
                    names[f"W{l}[{i},{j}]"] = self.weight(net, l, i, j)
                if layer.bias:
                    names[f"b{l}[{j}]"] = self.unit(net, "b", l, j)
                for kind in ("s", "z", "a", "delta"):
                    names[f"{kind}{l}[{j}]"] = self.unit(net, kind, l, j)
        seen: dict[str, str] = {}
        for key, name in names.items():
            if name.ident in seen and seen[name.ident] != key:
                raise SpecError(
                    f"notation {self.key} writes both {seen[name.ident]} and {key} as "
                    f"{name.ident!r}; rename the inputs or targets, or use --notation default"
                )
            seen[name.ident] = key
        for key, name in self.matrices(net).items():  # the delta form's own namespace
            names.setdefault(key, name)
        return names

    def function(self, activation) -> Name:
        """How an activation's function is written (a notation may rename it)."""
        return self.functions.get(
            activation.name, Name(activation.name, activation.latex, activation.text)
        )

    # --- scalar names -------------------------------------------------------------------
    def input(self, net, i: int, name: str) -> Name:
        return user_name(name)

    def weight(self, net, l: int, i: int, j: int) -> Name:
        units, fan_in = net.layers[l - 1].units, net.sizes[l - 1]
        rows, cols = (i + 1, j + 1) if self.convention == "row" else (j + 1, i + 1)
        if units == 1 and fan_in == 1:
            return Name(f"w{l}", f"w^{{({l})}}", f"w⁽{l}⁾".translate(SUP))
        latex_idx, text_idx = _idx(rows, cols)
        return Name(f"w{l}_{rows}_{cols}", f"w^{{({l})}}_{{{latex_idx}}}",
                    f"w⁽{l}⁾".translate(SUP) + text_idx)

    def unit(self, net, kind: str, l: int, j: int) -> Name:
        letter = {"s": "s", "z": "z", "a": "a", "b": "b", "delta": "delta"}[kind]
        latex_letter = r"\delta" if kind == "delta" else letter
        text_letter = "δ" if kind == "delta" else letter
        sup_latex, sup_text = f"^{{({l})}}", f"⁽{l}⁾".translate(SUP)
        if net.layers[l - 1].units == 1:
            return Name(f"{letter}{l}", latex_letter + sup_latex, text_letter + sup_text)
        latex_idx, text_idx = _idx(j + 1)
        return Name(f"{letter}{l}_{j + 1}", f"{latex_letter}{sup_latex}_{{{latex_idx}}}",
                    text_letter + sup_text + text_idx)

    # --- matrix names (delta form) ------------------------------------------------------
    def matrices(self, net) -> dict[str, Name]:
        names = {"X": Name("X", "X", "X"), "Y": Name("Y", "Y", "Y"), "A0": Name("X", "X", "X")}
        for l in range(1, len(net.layers) + 1):
            sup_t = f"⁽{l}⁾".translate(SUP)
            for key, latex, text in (("W", "W", "W"), ("b", "b", "b"), ("Z", "Z", "Z"),
                                     ("A", "A", "A"), ("D", r"\Delta", "Δ")):
                names[f"{key}{l}"] = Name(f"{key}{l}", f"{latex}^{{({l})}}", text + sup_t)
        return names


class Rostock(Notation):
    """Universität Rostock: inputs x, y; w_x1 … w_1z; biases t_1, t_z; o_1; N(x, y); target z."""

    key = "rostock"
    title = "rostock (w_x1, t_1, i_1, o_1, N(x, y), target z, E)"
    convention = "row"
    names_net_input = True
    functions = {"sigmoid": Name("sig", r"\operatorname{sig}", "sig")}

    def _label(self, net, l: int, j: int) -> str:
        if l == len(net.layers):
            return net.targets[j]
        return str(sum(net.sizes[1:l]) + j + 1)

    def _joined(self, net) -> bool:
        """Whether a weight's two labels can be written side by side and still read apart
        (w_x1, w_1z): every input and target one character, every unit number one digit."""
        labels = [*net.inputs, *net.targets]
        return all(len(n) == 1 for n in labels) and sum(net.sizes[1:-1]) <= 9

    def weight(self, net, l, i, j):
        src = net.inputs[i] if l == 1 else self._label(net, l - 1, i)
        dst = self._label(net, l, j)
        if self._joined(net):
            return Name(f"w_{src}{dst}", rf"w_{{{_tex(src)}{_tex(dst)}}}", f"w_{src}{dst}")
        # x1 → unit 2 is w_{x1,2}, never w_x12 (which could be x → unit 12); a name with an
        # index keeps it as an index: x_1 → unit 2 is w_{x_1,2}
        def tex(label: str) -> str:
            return user_name(label).latex if not label.isdigit() else label

        return Name(f"w_{src}__{dst}", rf"w_{{{tex(src)},{tex(dst)}}}", f"w_{src},{dst}")

    def unit(self, net, kind, l, j):
        label = self._label(net, l, j)
        if kind == "a" and l == len(net.layers):
            inputs = "".join(net.inputs) if all(len(n) == 1 for n in net.inputs) else "out"
            suffix = inputs if net.layers[-1].units == 1 else label
            return Name(f"N_{suffix}", rf"\mathcal{{N}}_{{{_tex(suffix)}}}", f"N_{suffix}")
        letter = {"s": "i", "z": "p", "a": "o", "b": "t", "delta": "delta"}[kind]
        latex_letter = r"\delta" if kind == "delta" else letter
        text_letter = "δ" if kind == "delta" else letter
        return Name(f"{letter}_{label}", rf"{latex_letter}_{{{_tex(label)}}}",
                    f"{text_letter}_{label}")

    def matrices(self, net):
        names = {"X": Name("X", "X", "X"), "Y": Name("Z", "Z", "Z"), "A0": Name("X", "X", "X")}
        for l in range(1, len(net.layers) + 1):
            # Layers are counted in superscripts and the bias vector is bold: a subscript
            # already names one unit (t_2 is hidden unit 2's bias, not layer 2's vector).
            for key, latex, text in (("W", "W", "W"), ("b", r"\mathbf{t}", "𝐭"), ("Z", "P", "P"),
                                     ("A", "O", "O"), ("D", r"\Delta", "Δ")):
                ident = "t" if key == "b" else text
                names[f"{key}{l}"] = Name(f"{ident}{l}", f"{latex}^{{({l})}}",
                                          text + f"⁽{l}⁾".translate(SUP))
        names[f"A{len(net.layers)}"] = Name("N", r"\mathcal{N}", "N")
        return names


class Coursera(Notation):
    """Imperial College London's "Mathematics for Machine Learning: Multivariate Calculus" on
    Coursera (its backpropagation exercise): a⁽⁰⁾, w⁽¹⁾, b⁽¹⁾, z⁽¹⁾, a⁽¹⁾, σ, C_k; column
    convention, one example. Not Andrew Ng's deeplearning.ai notation: that is ``ng``."""

    key = "coursera"
    title = "coursera (a⁽⁰⁾, w⁽¹⁾, b⁽¹⁾, z⁽¹⁾, a⁽¹⁾, σ, C_k)"
    convention = "column"
    loss = Name("C_k", "C_k", "C_k")

    def input(self, net, i, name):
        if len(net.inputs) == 1:
            return Name("a0", "a^{(0)}", "a⁽⁰⁾")
        latex_idx, text_idx = _idx(i + 1)
        return Name(f"a0_{i + 1}", f"a^{{(0)}}_{{{latex_idx}}}", "a⁽⁰⁾" + text_idx)

    def matrices(self, net):
        names = {"X": Name("a0", r"\mathbf{a}^{(0)}", "a⁽⁰⁾"), "Y": Name("y", r"\mathbf{y}", "y")}
        names["A0"] = names["X"]
        for l in range(1, len(net.layers) + 1):
            sup = f"⁽{l}⁾".translate(SUP)
            for key, latex, text in (("W", r"\mathbf{W}", "W"), ("b", r"\mathbf{b}", "b"),
                                     ("Z", r"\mathbf{z}", "z"), ("A", r"\mathbf{a}", "a"),
                                     ("D", r"\boldsymbol{\delta}", "δ")):
                names[f"{key}{l}"] = Name(f"{text}{l}", f"{latex}^{{({l})}}", text + sup)
        return names


class Ng(Notation):
    """deeplearning.ai (Andrew Ng, "Neural Networks and Deep Learning"): X = A^[0], W^[l],
    b^[l], Z^[l], A^[l], dZ^[l], cost J; column convention with the m examples in columns.
    Here dZ^[l] is ∂J/∂Z^[l], so it carries the 1/m of the mean that the course moves into
    dW^[l] = (1/m) dZ^[l] A^[l−1]ᵀ and db^[l]."""

    key = "ng"
    title = "ng (X, W^[l], b^[l], Z^[l], A^[l], dZ^[l], J; m examples in columns)"
    convention = "column"
    examples_in_columns = True
    loss = Name("J", "J", "J")

    def input(self, net, i, name):
        if len(net.inputs) == 1:
            return Name("x", "x", "x")
        return Name(f"x_{i + 1}", f"x_{{{i + 1}}}", f"x{str(i + 1).translate(SUB)}")

    def weight(self, net, l, i, j):
        latex_idx, text_idx = _idx(j + 1, i + 1)
        if net.layers[l - 1].units == 1 and net.sizes[l - 1] == 1:
            return Name(f"w{l}", f"w^{{[{l}]}}", f"w^[{l}]")
        return Name(f"w{l}_{j + 1}_{i + 1}", f"w^{{[{l}]}}_{{{latex_idx}}}",
                    f"w^[{l}]{text_idx}")

    def unit(self, net, kind, l, j):
        letter, latex_letter = {"s": ("s", "s"), "z": ("z", "z"), "a": ("a", "a"),
                                "b": ("b", "b"), "delta": ("dz", r"\mathrm{d}z")}[kind]
        if net.layers[l - 1].units == 1:
            return Name(f"{letter}{l}", f"{latex_letter}^{{[{l}]}}", f"{letter}^[{l}]")
        latex_idx, text_idx = _idx(j + 1)
        return Name(f"{letter}{l}_{j + 1}", f"{latex_letter}^{{[{l}]}}_{{{latex_idx}}}",
                    f"{letter}^[{l}]{text_idx}")

    def matrices(self, net):
        names = {"X": Name("X", "X", "X"), "Y": Name("Y", "Y", "Y"), "A0": Name("X", "X", "X")}
        for l in range(1, len(net.layers) + 1):
            for key, latex, text in (("W", "W", "W"), ("b", "b", "b"), ("Z", "Z", "Z"),
                                     ("A", "A", "A"), ("D", r"\mathrm{d}Z", "dZ")):
                names[f"{key}{l}"] = Name(f"{text}{l}", f"{latex}^{{[{l}]}}", f"{text}^[{l}]")
        return names


class IBM(Notation):
    """IBM Watson IoT lecture: X, W_1, z_2, a_2, ŷ, J, δ_3; row (batch) convention."""

    key = "ibm"
    title = "ibm (X, W_1, z_2, a_2, ŷ, J, δ_3)"
    convention = "row"
    loss = Name("J", "J", "J")
    functions = {"sigmoid": Name("f", "f", "f")}

    def weight(self, net, l, i, j):
        latex_idx, text_idx = _idx(i + 1, j + 1)
        return Name(f"W{l}_{i + 1}_{j + 1}", f"(W_{{{l}}})_{{{latex_idx}}}",
                    f"(W{l})".translate(SUB) + text_idx)

    def unit(self, net, kind, l, j):
        single = net.layers[l - 1].units == 1
        if kind == "a" and l == len(net.layers):
            if single:
                return Name("yhat", r"\hat{y}", "ŷ")
            latex_idx, text_idx = _idx(j + 1)
            return Name(f"yhat_{j + 1}", rf"\hat{{y}}_{{{latex_idx}}}", "ŷ" + text_idx)
        if kind == "b":
            layer = str(l)
        else:
            layer = str(l + 1)
        letter = {"s": "s", "z": "z", "a": "a", "b": "b", "delta": "delta"}[kind]
        latex_letter = r"\delta" if kind == "delta" else letter
        text_letter = "δ" if kind == "delta" else letter
        if single:
            return Name(f"{letter}{layer}", f"{latex_letter}_{{{layer}}}",
                        text_letter + layer.translate(SUB))
        latex_idx, _ = _idx(j + 1)
        return Name(f"{letter}{layer}_{j + 1}", f"({latex_letter}_{{{layer}}})_{{{latex_idx}}}",
                    f"({text_letter}{layer.translate(SUB)}){str(j + 1).translate(SUB)}")

    def matrices(self, net):
        names = {"X": Name("X", "X", "X"), "Y": Name("y", "y", "y"), "A0": Name("X", "X", "X")}
        last = len(net.layers)
        for l in range(1, last + 1):
            k = str(l + 1)
            names[f"W{l}"] = Name(f"W{l}", f"W_{{{l}}}", "W" + str(l).translate(SUB))
            names[f"b{l}"] = Name(f"b{l}", f"b_{{{l}}}", "b" + str(l).translate(SUB))
            names[f"Z{l}"] = Name(f"z{k}", f"z_{{{k}}}", "z" + k.translate(SUB))
            names[f"A{l}"] = Name(f"a{k}", f"a_{{{k}}}", "a" + k.translate(SUB))
            names[f"D{l}"] = Name(f"delta{k}", rf"\delta_{{{k}}}", "δ" + k.translate(SUB))
        names[f"A{last}"] = Name("yhat", r"\hat{y}", "ŷ")
        return names


def _tex(label: str) -> str:
    return label.replace("_", r"\_")


NOTATIONS: dict[str, Notation] = {n.key: n for n in (Notation(), Rostock(), Coursera(), Ng(),
                                                     IBM())}


def get_notation(key: str) -> Notation:
    """The notation called ``key``; a ``SpecError`` listing the known ones otherwise."""
    return entry(NOTATIONS, key, "notation")
