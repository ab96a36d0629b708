# The course's two entry points (see README):
#   make course   set everything up, then open the course in JupyterLab on the overview
#   make test     set everything up, then run the whole test suite (lint, unit, notebooks, browser)
# Everything lives in .venv inside this folder; nothing is installed system-wide.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
PYTEST_ARGS ?=

.PHONY: course test setup bench pins exercises site clean help
help:
	@echo "make course   # set up .venv and open the course in JupyterLab (overview notebook)"
	@echo "make test     # set up .venv and run the whole test suite"
	@echo "make site     # build the course website (executed lectures) into _build/html, offline"
	@echo "make bench    # time the library's kernels and each notebook (not part of make test)"
	@echo "make pins     # regenerate binder/requirements.txt from pyproject.toml"

setup: $(STAMP)

# Python 3.11 (the Binder/CI runtime) installs the exact pins; other versions >= 3.10 install
# from pyproject.toml's bounds, with a note, because the pinned wheels are built for 3.11.
$(STAMP): pyproject.toml binder/requirements.txt tests/requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "mfcourse needs Python >= 3.10, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@if $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
	    echo "[mfcourse] installing the exact Binder pins (binder/requirements.txt, tests/requirements.txt)"; \
	    $(BIN)/python -m pip install --quiet -r binder/requirements.txt -r tests/requirements.txt && \
	    $(BIN)/python -m pip install --quiet --no-deps -e . ; \
	else \
	    echo "[mfcourse] Python is not 3.11: installing from pyproject.toml bounds (the pins are for 3.11)"; \
	    $(BIN)/python -m pip install --quiet -e '.[test]' ; \
	fi
	@touch $(STAMP)

course: $(STAMP)
	$(BIN)/mfcourse lab --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc = 5 ]; then echo "[mfcourse] pytest collected no tests: the suite is broken (exit 5)"; fi; \
	exit $$rc

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The website: executed lectures, exercises and bibliography in _build/html (offline build;
# unchanged notebooks come from the jupyter-cache in _build/.jupyter_cache).
site: $(STAMP)
	$(BIN)/python -m mfcourse.course.site $(SITE_ARGS)

exercises: $(STAMP)
	$(BIN)/mfcourse exercises build

pins:
	rm -rf .venv-pins && $(PYTHON) -m venv .venv-pins
	.venv-pins/bin/python -m pip install --quiet --upgrade pip
	.venv-pins/bin/python -m pip install --quiet '.[test]'
	.venv-pins/bin/python tools/split_pins.py .venv-pins
	rm -rf .venv-pins

clean:
	rm -rf $(VENV) build _build *.egg-info
