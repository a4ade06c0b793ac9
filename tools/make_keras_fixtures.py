"""Make the Keras test fixtures in tests/fixtures/keras/ with real Keras (run once, by hand).

    pip install keras h5py
    KERAS_BACKEND=torch python tools/make_keras_fixtures.py

For each of five models (one functional, one in Keras' default float32) it saves the compiled
model as NAME.keras, its architecture as NAME.model.json (``model.to_json()``), and
NAME.figures.json holding the data, Keras' own loss and gradients at the saved weights, the same
figures computed exactly in float64 by PyTorch autograd from the textbook formulas (no ε) and
the saved weights, and the weights Keras reaches after one full-batch epoch of ``fit`` with the
compiled optimizer.

Keras computes in float64 here (``set_floatx("float64")``), but for the float32 model. Outside
TensorFlow, Keras 3 demotes a float64 matmul's result to float32 (``BIT64_TO_BIT32_DTYPE``, to
follow JAX's default); the script maps float64 to itself there, so Keras' figures keep float64
precision. The remaining difference from the exact figures is Keras' cross-entropy guard: it
clips probabilities to [ε, 1 − ε], ε = 1e-7, before the logarithm (TensorFlow's backend instead
adds ε inside the logarithm, a change of about ε/a relative), which changes nothing at these
fixtures' outputs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from keras.src.backend.common import dtypes  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "keras"


def _lamurias_model(name: str, **dtype: str) -> keras.Model:
    """The lecture's 2-4-4-1 sigmoid model, mse, SGD(momentum 0.9) (course notes 004);
    ``dtype="float32"`` sets every layer's dtype, as Keras saves a model by default."""
    model = keras.Sequential(
        [keras.Input(shape=(2,), **dtype)]
        + [keras.layers.Dense(units, activation="sigmoid", bias_initializer="random_normal",
                              **dtype) for units in (4, 4, 1)], name=name)
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.5, momentum=0.9))
    return model


def _lamurias_data() -> tuple[np.ndarray, np.ndarray]:
    """Its data: the signs of 8 seeded points, XOR-like."""
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=(8, 2)), 4)
    return x, (x[:, :1] * x[:, 1:] > 0).astype(float)


def lamurias() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """The lecture's model with its data."""
    return _lamurias_model("lamurias"), *_lamurias_data()


def lamurias_float32() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """The lecture's model as Keras saves it by default: float32 weights and arithmetic."""
    return _lamurias_model("lamurias_float32", dtype="float32"), *_lamurias_data()


def softmax_classifier() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """3-5-4-3: relu, tanh, softmax output with categorical cross-entropy."""
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(5, activation="relu", bias_initializer="random_normal"),
        keras.layers.Dense(4, activation="tanh", bias_initializer="random_normal"),
        keras.layers.Dense(3, activation="softmax", bias_initializer="random_normal"),
    ], name="softmax_classifier")
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.5))
    rng = np.random.default_rng(2)
    x = np.round(rng.normal(size=(10, 3)), 4)
    y = np.eye(3)[rng.integers(0, 3, size=10)]
    return model, x, y


def binary_classifier() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """2-3-1: tanh without bias, sigmoid output with binary cross-entropy."""
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(3, activation="tanh", use_bias=False),
        keras.layers.Dense(1, activation="sigmoid", bias_initializer="random_normal"),
    ], name="binary_classifier")
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.2))
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=(6, 2)), 4)
    y = (x[:, :1] + x[:, 1:] > 0).astype(float)
    return model, x, y


def functional_binary_classifier() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """The binary classifier's layers as a functional model (one chain)."""
    inputs = keras.Input(shape=(2,))
    hidden = keras.layers.Dense(3, activation="tanh", use_bias=False)(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", bias_initializer="random_normal")(hidden)
    model = keras.Model(inputs, outputs, name="functional_classifier")
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.2))
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=(6, 2)), 4)
    y = (x[:, :1] + x[:, 1:] > 0).astype(float)
    return model, x, y


def keras_figures(model: keras.Model, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """Keras' compiled loss at (x, y) and its gradients, by name W1, b1, …"""
    for v in model.trainable_variables:
        v.value.grad = None
    pred = model(torch.tensor(x), training=True)
    loss = model.compute_loss(x=x, y=torch.tensor(y), y_pred=pred)
    loss.backward()
    return float(loss.detach()), {name: v.value.grad.numpy().tolist()
                         for name, v in zip(names(model), model.trainable_variables, strict=True)}


def exact_figures(model: keras.Model, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """The textbook loss and its gradients in float64 by PyTorch autograd, without ε."""
    tensors = [torch.tensor(v.numpy(), dtype=torch.float64, requires_grad=True)
               for v in model.trainable_variables]
    a = torch.tensor(x)
    t = torch.tensor(y)
    it = iter(tensors)
    for layer in dense_layers(model):
        z = a @ next(it)
        if layer.use_bias:
            z = z + next(it)
        act = layer.get_config()["activation"]
        a = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "softmax": lambda u: torch.softmax(u, dim=1), "linear": lambda u: u}[act](z)
    loss_name = model.get_compile_config()["loss"]
    if loss_name == "mse":
        loss = ((a - t) ** 2).mean()
    elif loss_name == "binary_crossentropy":
        loss = -(t * torch.log(a) + (1 - t) * torch.log(1 - a)).mean()
    else:
        loss = -(t * torch.log(a)).sum(dim=1).mean()
    loss.backward()
    return float(loss.detach()), {name: v.grad.numpy().tolist()
                         for name, v in zip(names(model), tensors, strict=True)}


def dense_layers(model: keras.Model) -> list:
    """The model's Dense layers in order (a functional model lists its InputLayer too)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def names(model: keras.Model) -> list[str]:
    """Canonical parameter names of the trainable variables, in Keras' order."""
    out = []
    for l, layer in enumerate(dense_layers(model), start=1):
        out += [f"W{l}"] + ([f"b{l}"] if layer.use_bias else [])
    return out


def main() -> int:
    keras.config.set_floatx("float64")
    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (lamurias, softmax_classifier, binary_classifier, functional_binary_classifier,
                 lamurias_float32):
        keras.utils.set_random_seed(0)
        model, x, y = make()
        model.save(OUT / f"{model.name}.keras")
        (OUT / f"{model.name}.model.json").write_text(model.to_json() + "\n")
        k_loss, k_grads = keras_figures(model, x, y)
        e_loss, e_grads = exact_figures(model, x, y)
        model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
        after = {name: v.numpy().tolist()
                 for name, v in zip(names(model), model.trainable_variables, strict=True)}
        record = {
            "keras_version": keras.__version__, "backend": keras.backend.backend(),
            "dtype": str(model.trainable_variables[0].dtype), "x": x.tolist(), "y": y.tolist(),
            "keras": {"loss": k_loss, "gradients": k_grads},
            "exact": {"loss": e_loss, "gradients": e_grads},
            "after_one_epoch": after,
        }
        (OUT / f"{model.name}.figures.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{model.name}: {model.count_params()} params, Keras loss {k_loss:.12g}, "
              f"exact {e_loss:.12g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
