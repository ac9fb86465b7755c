# Two commands for a fresh machine with Python 3.11:
#   make handouts   set up .venv and write the default handouts into out/
#   make test       set up .venv (with the test tools) and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: handouts deps test install install-lint install-bench lint golden bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A real (non-editable) install, so the tests exercise the installed package, its fonts and content.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"

# Every document (full sheet and one-pagers) in letter, a4, large-print, booklet and 2up, one
# print-run file per layout, and out/manifest.json; files already up to date are not written again.
handouts: install
	$(BIN)/ivig-handout batch --all --layouts letter,a4,large-print,booklet,2up --out-dir out

# The Debian packages the tests need (poppler-utils, qpdf, CUPS with ippeveprinter, cups-filters, dbus, chromium):
# installed as root with apt-get, else one line names them and make stops (tools/deps.sh).
deps:
	@sh tools/deps.sh

# With the packages there, the print-server and browser tests must run: missing, they fail, never skip.
test: deps install
	IVIG_REQUIRE_TOOLS=$${IVIG_REQUIRE_TOOLS:-1} $(BIN)/python -m pytest -p no:cacheprovider

install-lint: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test,lint]"

# ruff (style and bugs), mypy --strict (types), import-linter (stages depend one way; only render/
# imports ReportLab, only export/ imports pikepdf). PYTHONPATH=src: the checkout is what is checked.
lint: install-lint
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	PYTHONPATH=src $(BIN)/lint-imports

# Refresh the golden record of the default batch (sha256 of every PDF, colour and mono) on purpose;
# the diff of tests/golden/default-batch.json then shows in review which files changed.
golden: install
	$(BIN)/python -m tests.golden record

# The benchmarks also need Typst (the `bench` extra), which the cached and cold batch are paired with.
install-bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test,bench]"

bench: install-bench
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/typst_pair.py
	$(BIN)/python bench/cached_batch.py
	$(BIN)/python bench/cold_batch.py
	$(BIN)/python bench/cache_cap.py
	$(BIN)/python bench/cold_floor.py
	$(BIN)/python bench/tagging.py
	$(BIN)/python bench/print_run.py
	$(BIN)/python bench/roster.py
	$(BIN)/python bench/roster_floor.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/names.py
	$(BIN)/python bench/limits.py
	$(BIN)/python bench/xlsx.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/record_pg.py

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info
