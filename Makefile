# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= build/demo
# Wheels of the tools and everything they need (and pipx), so the install guide's
# commands can be tested with --no-index, as a school would run them offline.
WHEELHOUSE := build/wheelhouse
WHEELS_STAMP := $(WHEELHOUSE)/.made

.PHONY: venv test lint typecheck demo demo-check clean schemas bench bench-scaling wheelhouse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

$(WHEELS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip wheel --quiet -w $(WHEELHOUSE) . pipx "setuptools>=77" wheel
	touch $(WHEELS_STAMP)

wheelhouse: $(WHEELS_STAMP)

test: $(STAMP) $(WHEELS_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" SUPERVISION_WHEELHOUSE="$(CURDIR)/$(WHEELHOUSE)" \
		$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Two workers, one test file each at a time (a file's fixtures are built once): the
# tests mostly wait on git, gpg and browsers, and CI must stay under 30 minutes.
# PYTEST_ARGS="-n 0" runs them in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check tools tests benchmarks
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/supervision schema --write tools/supervision/forms/schemas

# The demo trust: builds build/demo (fictional schools, throwaway keys, signed
# records), runs check, verify and status on it, builds the staff site and serves
# it on 127.0.0.1 (DEMO_PORT, default 8000) until Ctrl+C. Running it again
# replaces the demo. `make demo-check` stops before serving.
demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/supervision demo $(DEMO_DIR) --port $${DEMO_PORT:-8000}

demo-check: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/supervision demo $(DEMO_DIR) --no-serve

# The benchmark (docs/performance.md): the corpus is made once in build/bench-corpus,
# then every command and the two anchors are timed; over an hour at the default scale,
# nearly all of it git log. BENCH_ARGS="--anchor-runs 0" skips the anchors.
bench: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/run.py --corpus build/bench-corpus $(BENCH_ARGS)

# The scaling table (docs/performance.md, "Scaling"): the main commands on corpora of
# 12, 25, 50 and 100 schools, made once in build/bench-scale-N; hours, by hand only.
bench-scaling: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/scaling.py --write $(SCALING_ARGS)

clean:
	rm -rf $(VENV) build site .pytest_cache .ruff_cache .mypy_cache
