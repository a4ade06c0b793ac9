"""chainrule's mathematics: networks, notations, chain-rule derivations, their verification."""
