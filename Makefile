# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser demo test test-fast lint lock clean

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (this machine sets it),
# every process would otherwise compile what it imports, Great Expectations alone 12 s, not 5 s.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/rekon demo

# The portal's browser tests drive Debian's Chromium (never a browser Playwright downloads).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: setup browser lint
	$(BIN)/python -m pytest -q

# Between small edits: lint, the unit tests and one small end-to-end run (`rekon demo`), under 60 s.
test-fast: setup lint
	$(BIN)/python -m pytest -q tests/unit tests/integration/test_demo.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-pin after changing pyproject.toml's dependencies.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements-runtime.lock

clean:
	rm -rf $(VENV) demo .pytest_cache
