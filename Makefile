# docparse developer entry points. Every target bootstraps first (idempotent, ~0.2 s when
# nothing changed): Debian packages, .venv, pip install -e '.[test]'.
#
#   make up [DATA_DIR=~/.docparse-b] [PORT=8001]   the whole stack in the foreground
#   make test [PYTEST_ARGS='-k stack']             the full suite, slow tests included (2 processes;
#                                                   PYTEST_WORKERS=0 runs it in one)
#   make lint                                       ruff, import-linter (the layering), mypy
#   make bench [BENCH=latency]                      the pipeline benchmarks (bench/, README "Benchmarks")

SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin

# Slow (fault-injection, end-to-end) tests are part of `make test`: nothing deselects them.
# PYTEST_WORKERS pytest-xdist processes share the files (each file runs whole in one of them, so
# module fixtures and in-file order hold; each starts its own servers on free ports); 0: serial.
# Files are handed out longest first (tests/conftest.py), hence --no-loadscope-reorder.
PYTEST_WORKERS ?= 2
PYTEST_FLAGS ?= -q -ra --durations=15 -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
PYTEST_ARGS  ?=

.PHONY: bootstrap up test lint bench

bootstrap:
	@bash scripts/bootstrap.sh

up: bootstrap
	$(BIN)/docparse up $(if $(DATA_DIR),--data-dir "$(DATA_DIR)") $(if $(PORT),--port "$(PORT)")

# Make itself exits 2 on any failing recipe; the line printed below gives pytest's own code.
# Exit 5 ("no tests collected") is a failure, never a silent pass.
# PYTHONDONTWRITEBYTECODE (set on some machines) would make every worker and every process a test
# starts compile its modules and re-rewrite the test modules' asserts each time: not for the tests.
test: bootstrap lint
	@rc=0; env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest $(PYTEST_FLAGS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): failing" >&2; \
	elif [ $$rc -ne 0 ]; then echo "make test: pytest exited with $$rc" >&2; fi; \
	exit $$rc

# Style (ruff: pyflakes, isort, bugbear), the layering (import-linter contracts in pyproject.toml)
# and types (mypy). The tools come with the test extras; a missing one fails, never skips.
lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

# Each benchmark starts its own stack on free ports, prints its figures against the target and
# writes bench/results/<name>.json. A target not met is reported, not a make failure.
BENCH ?= throughput scaling latency concurrency upload status_load limits page_pool results_read ocr
bench: bootstrap
	@for b in $(BENCH); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || echo "bench/$$b.py exited $$?"; done
