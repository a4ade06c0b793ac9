"""docs/ stays honest: everything the registries and the spec reader know is documented."""

from pathlib import Path

from derive.activations import ACTIVATIONS
from derive.losses import LOSSES
from derive.network import INPUT_FUNCTIONS
from derive.notation import NOTATIONS
from derive.spec import SPEC_KEYS, TRAINING_KEYS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "spec.md"


def test_spec_reference_names_every_registered_thing():
    text = DOCS.read_text()
    for name in [*SPEC_KEYS, *TRAINING_KEYS, *ACTIVATIONS, *LOSSES, *INPUT_FUNCTIONS,
                 *NOTATIONS]:
        assert f"`{name}`" in text, name
