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
SCALE_ARGS ?=
JOBS    ?= 1    # chapters executed at once, each after the chapters it reads (publish/execute.py NEEDS)
TEST_WORKERS ?= 2   # pytest-xdist processes; --dist loadfile keeps a file on one worker, in order

.PHONY: help venv browser bench-results book execute chapter html test unit lint bench scale screenshot clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

# The environment: rebuilt when pyproject.toml changes. torch/torchvision are pinned as a pair there.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet --progress-bar off -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed  ## create .venv and install everything the book needs

# Headless Chromium reads the built book offline (math typeset without the network); Debian's package.
browser:  ## install Debian's chromium if it is missing (the tests open the built book in it)
	@command -v chromium >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null \
	  && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "no chromium and no way to install it here: run 'apt-get install chromium' as root" \
	          "(the offline-reading test will fail without it)"; }

book: $(VENV)/.installed bench-results execute html  ## execute every chapter and build the HTML book

execute: $(VENV)/.installed  ## execute changed chapters: PROFILE=smoke|default|full PARAMS="k=v ..."
	$(PY) -m thumbnail_lab.publish.execute --profile $(PROFILE) --params "$(PARAMS)" --jobs $(JOBS)

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

scale: $(VENV)/.installed  ## chapter 05's feature study at 524,288 thumbnails, stage by stage (resumable; not in make book)
	$(PY) -m thumbnail_lab scale $(SCALE_ARGS)

test: $(VENV)/.installed browser  ## unit tests + every chapter in the smoke profile + a strict book build
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

unit: $(VENV)/.installed  ## the package's unit tests alone (no chapter execution, no book build)
	$(VENV)/bin/pytest -m "not chapter and not book and not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed  ## ruff, configured in pyproject.toml (CI runs it before the tests)
	$(VENV)/bin/ruff check thumbnail_lab tests bench book

screenshot: browser  ## open a built chapter offline in headless Chromium: math typeset? (_build/screenshot.png)
	$(PY) -m thumbnail_lab.publish.browser _build/html/book/01_dataset.html _build/screenshot.png

clean:  ## remove executed notebooks and the built book (keeps data, artifacts, .venv)
	rm -rf _build book/*.ipynb .ruff_cache

distclean: clean  ## also remove artifacts, generated data, benchmark results and .venv
	rm -rf artifacts bench/results $(VENV)
	find data -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
