# The two commands of the README: `make demo` and `make test`. Both set up .venv themselves.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test lint format extension clean

setup:
	@bash tools/setup_env.sh

demo: setup
	$(PY) render.py --demo --out out/demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) -m pytest

# The installable zip, built by Blender's own extension tool.
extension: setup
	mkdir -p dist
	$(PY) tools/blender_ext.py build --source-dir . --output-dir dist

clean:
	rm -rf out dist .pytest_cache .ruff_cache
