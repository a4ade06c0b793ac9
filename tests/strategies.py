"""The one hypothesis strategy for networks that tests draw: every activation, loss, reduction
and input function (``squared_distance`` included), bias on and off."""

from hypothesis import strategies as st

from derive.activations import ACTIVATIONS
from derive.losses import LOSSES
from derive.network import Dense, Network

INPUT_FUNCTIONS = ["weighted_sum", "squared_distance"]


@st.composite
def networks(draw, depths=(1, 3), trainable=True, output_distance=True):
    """A Network of 1–3 inputs and ``depths`` layers of 1–3 units (softmax: at least 2).

    ``trainable``: only activations with a useful derivative (threshold's is 0 wherever it
    exists), as generated modules need; False draws them all, as the verifier takes them.
    ``output_distance``: the output layer may be a squared-distance one (deep networks ending
    in one make expanded losses too long to verify many of)."""
    usable = [a for a in ACTIVATIONS if ACTIVATIONS[a].trainable or not trainable]
    hidden = [a for a in usable if ACTIVATIONS[a].elementwise]
    depth = draw(st.integers(*depths))
    widths = [draw(st.integers(1, 3)) for _ in range(depth)]
    kind = draw(st.sampled_from(sorted(LOSSES)))
    out = draw(st.sampled_from(sorted(LOSSES[kind].outputs or hidden)))
    if out == "softmax":
        widths[-1] = max(widths[-1], 2)
    activations = [draw(st.sampled_from(hidden)) for _ in widths[:-1]] + [out]
    functions = [INPUT_FUNCTIONS] * (depth - 1) + [
        INPUT_FUNCTIONS if output_distance else INPUT_FUNCTIONS[:1]]
    layers = [Dense(w, a, draw(st.booleans()), draw(st.sampled_from(f)))
              for w, a, f in zip(widths, activations, functions, strict=True)]
    loss = {"kind": kind, "factor": draw(st.sampled_from([1, 0.5, 2])),
            "reduce_outputs": "sum" if kind == "categorical_cross_entropy"
            else draw(st.sampled_from(["sum", "mean"])),
            "reduce_examples": draw(st.sampled_from(["sum", "mean"]))}
    return Network(inputs=draw(st.integers(1, 3)), layers=layers, loss=loss, name="drawn")
