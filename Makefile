# Thumbnail Lab. The two commands a reader needs:
#   make book   set up .venv, execute every chapter (PROFILE=default), build _build/html
#   make test   set up .venv, run the unit tests and every chapter with the smoke profile
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON  ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
PY      := $(VENV)/bin/python
PROFILE ?= default
PARAMS  ?=
NB      ?=
PYTEST_ARGS ?=

.PHONY: help venv bench-results book execute chapter html test unit lint bench screenshot clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

# The environment: rebuilt when pyproject.toml changes. torch/torchvision are pinned as a pair there.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet --progress-bar off -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed  ## create .venv and install everything the book needs

book: $(VENV)/.installed bench-results execute html  ## execute every chapter and build the HTML book

execute: $(VENV)/.installed  ## execute changed chapters: PROFILE=smoke|default|full PARAMS="k=v ..."
	$(PY) -m thumbnail_lab.publish.execute --profile $(PROFILE) --params "$(PARAMS)"

chapter: $(VENV)/.installed  ## run one chapter: NB=04_popularity PROFILE=smoke PARAMS="epochs=3"
	@test -n "$(NB)" || { echo "say which chapter: make chapter NB=01_dataset"; exit 2; }
	$(PY) -m thumbnail_lab.publish.execute $(NB) --profile $(PROFILE) --params "$(PARAMS)" --force

html: $(VENV)/.installed  ## build _build/html from the executed notebooks (warnings are errors)
	$(PY) -m thumbnail_lab.publish.toc
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
	$(PY) -m thumbnail_lab.publish.buildcheck _build/html

bench-results: $(VENV)/.installed
	@test -f bench/results/results.json || $(MAKE) bench

bench: $(VENV)/.installed  ## run every benchmark in bench/, write bench/results/results.json
	$(PY) -m bench.run_all

test: $(VENV)/.installed  ## unit tests + every chapter in the smoke profile + a strict book build
	$(VENV)/bin/pytest $(PYTEST_ARGS)

unit: $(VENV)/.installed  ## the package's unit tests alone (no chapter execution, no book build)
	$(VENV)/bin/pytest -m "not chapter and not book and not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed  ## ruff, configured in pyproject.toml (CI runs it before the tests)
	$(VENV)/bin/ruff check thumbnail_lab tests bench book

screenshot:  ## screenshot the built intro page with headless Chromium (_build/screenshot.png)
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
	  --disable-sync --no-first-run --hide-scrollbars --user-data-dir=$$(mktemp -d) \
	  --window-size=1280,1600 --screenshot=$(CURDIR)/_build/screenshot.png _build/html/book/intro.html

clean:  ## remove executed notebooks and the built book (keeps data, artifacts, .venv)
	rm -rf _build book/*.ipynb .ruff_cache

distclean: clean  ## also remove artifacts, generated data, benchmark results and .venv
	rm -rf artifacts bench/results $(VENV)
	find data -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
