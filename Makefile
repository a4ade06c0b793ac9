# Two entry points, each doing its own set-up in .venv:
#   make demo   derive the Rostock lecture's ∂E/∂t_1 on the built-in OR-gate network
#   make test   ruff, then the whole test suite (installs TeX Live from Debian when missing)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Quiet: `make demo` prints the derivation and nothing else. pip's notices (setuptools warns
# on every editable install) go to .venv/install.log, shown only if the install fails.
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip 2> $(VENV)/install.log || { cat $(VENV)/install.log >&2; exit 1; }
	@# The CPU build of torch, pinned: a bare torch requirement can pull a multi-GB CUDA build.
	@$(PIP) torch==2.13.0 2>> $(VENV)/install.log || { cat $(VENV)/install.log >&2; exit 1; }
	@$(PIP) -e '.[test]' 2>> $(VENV)/install.log || { cat $(VENV)/install.log >&2; exit 1; }
	@touch $@

# TeX Live compiles the LaTeX the tests produce; installed from Debian when missing (as root).
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-pictures poppler-utils

.PHONY: demo test tex clean
demo: $(VENV)/.installed
	@$(BIN)/chainrule derive or_gate --wrt t_1

tex:
	@if ! command -v pdflatex >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES); \
	  else \
	    echo "TeX Live is missing: sudo apt-get install $(TEX_PACKAGES)" >&2; exit 1; \
	  fi; \
	fi

test: $(VENV)/.installed tex
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist worksteal

clean:
	rm -rf $(VENV)
