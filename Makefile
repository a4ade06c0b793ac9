# Two entry points, each doing its own set-up in .venv:
#   make demo   derive the Rostock lecture's ∂E/∂t_1 on the built-in OR-gate network
#   make test   ruff, then the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

.PHONY: demo test clean
demo: $(VENV)/.installed
	$(BIN)/chainrule derive or_gate --wrt t_1

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV)
