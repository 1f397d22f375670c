# fpgaforge: `make demo` and `make test` each set everything up first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test lint format clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) examples/demo.py

test: setup
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check fpgaforge tests examples bench

format: setup
	$(VENV)/bin/ruff format fpgaforge tests examples bench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
