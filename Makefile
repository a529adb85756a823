# Two entry points: `make run` (install, ingest corpus/, start the app) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast ingest serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU wheel on local disk; an unpinned torch pulls a CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

ingest: setup
	$(BIN)/assistant ingest

run: ingest
	$(BIN)/assistant serve

test: setup
	$(BIN)/python -m pytest -q

# The quick lane while developing: no browser, no server or multi-process tests, no benchmarks.
test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser and not slow" --ignore=tests/index/test_server.py \
		--ignore=tests/index/test_concurrency.py --ignore=tests/apps/test_launch.py --ignore=tests/bench \
		--ignore=tests/apps/test_browser.py --ignore=tests/apps/test_browser_corrections.py

clean:
	rm -rf $(VENV) index/chroma.sqlite3 index/*-*
