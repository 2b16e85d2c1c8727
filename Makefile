# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= build/demo

.PHONY: venv test lint typecheck demo demo-check clean schemas bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check tools tests benchmarks
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/supervision schema --write tools/supervision/schemas

# Until the demo trust lands this builds a fresh records repo in a temp
# folder, scaffolds a session and checks it (the unfilled scaffold fails on purpose).
demo: $(STAMP)
	@set -e; dir=$$(mktemp -d /tmp/supervision-demo.XXXXXX); \
	export PATH="$(CURDIR)/$(BIN):$$PATH"; \
	supervision init "$$dir/records" --profile agenda --org "Demo Trust (fictional)"; \
	cd "$$dir/records"; \
	path=$$(supervision new session --supervisee dsl-sample --supervisor deputy-sample); \
	echo "Scaffolded $$path"; \
	echo "--- supervision check (an unfilled scaffold is refused, as it should be):"; \
	supervision check "$$path" || true; \
	echo "Demo repository: $$dir/records"; \
	echo "--- the staff site, with reports drawn from a synthetic trust (Ctrl+C stops it):"; \
	supervision init "$$dir/trust" --profile agenda --org "Demo Trust (fictional)" --no-hooks >/dev/null; \
	today=$$($(CURDIR)/$(BIN)/python -c "import pathlib, supervision.synthetic_trust as t; \
	print(t.write_trust(pathlib.Path('$$dir/trust'), schools=6, supervisees=3, years=2))"); \
	cd "$$dir/trust"; SUPERVISION_TODAY=$$today supervision site serve --port $${DEMO_PORT:-8000}

clean:
	rm -rf $(VENV) build site .pytest_cache .ruff_cache .mypy_cache
