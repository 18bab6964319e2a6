# The two main commands are `make run` and `make test`. Each one creates the
# virtual environment and installs what is missing, so either works as the
# first command on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages with offline data (Fashion-MNIST, the King James Bible, Unix
# fortunes) and the browser that the docs test drives.
DEBIAN_DATA := dataset-fashion-mnist bible-kjv fortunes
# Jane Austen's novels come in an R package; installing it would pull in all of
# R, so `make data` only unpacks the Debian package into the data cache.
DATA_HOME := $(or $(PAPERS_NBDEV_DATA),$(HOME)/.cache/papers-nbdev)
AUSTEN := $(DATA_HOME)/janeaustenr/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb
DEBIAN_TEST := chromium

.PHONY: help venv data test-deps test export-check nbtest pytest run report docs lab readme clean

help:
	@echo "make run    run every experiment at the small preset, then the report and the docs"
	@echo "make test   export check, notebook tests, pytest (unit, papermill smoke runs, docs in a browser)"
	@echo "make lab    start JupyterLab on 127.0.0.1"
	@echo "make docs   build the documentation site into _docs/"
	@echo "make data   install the offline datasets that come from Debian packages"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Installs Debian packages with apt-get when this user may (root or sudo
# without a password); otherwise prints the command and goes on, and the
# loaders that need the data raise an error that repeats it.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else \
	  echo "Missing Debian packages:$$missing. Install them with: sudo apt-get install -y$$missing"; exit 0; fi; \
	echo "Installing Debian packages:$$missing"; \
	$$sudo apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	  { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing; }
endef

data: $(AUSTEN)
	$(call apt_install,$(DEBIAN_DATA))

$(AUSTEN):
	@tmp=$$(mktemp -d) && cd $$tmp && chmod 755 $$tmp && \
	  { apt-get download -qq r-cran-janeaustenr 2>/dev/null || \
	    { echo "Could not download r-cran-janeaustenr: Jane Austen's novels stay unavailable (see load_austen)."; exit 0; }; } && \
	  mkdir -p "$(DATA_HOME)/janeaustenr" && dpkg -x r-cran-janeaustenr_*.deb "$(DATA_HOME)/janeaustenr"; \
	  rm -rf $$tmp

test-deps:
	$(call apt_install,$(DEBIAN_TEST))

# nbdev-export must reproduce the committed package exactly.
export-check: venv
	$(BIN)/nbdev-export
	@if [ -n "$$(git status --porcelain -- papers_nbdev)" ]; then \
	  echo "papers_nbdev/ differs from the notebooks: run .venv/bin/nbdev-export and commit the result"; \
	  git status --porcelain -- papers_nbdev; exit 1; fi

nbtest: venv
	$(BIN)/nbdev-test --n-workers 2 --skip-folder-re '^experiments$$'

pytest: venv
	$(BIN)/python -m pytest -q

test: venv data test-deps export-check nbtest pytest

run: venv data
	$(BIN)/papers-nbdev run --all --preset small
	$(BIN)/papers-nbdev report
	$(MAKE) docs

report: venv
	$(BIN)/papers-nbdev report

docs: venv
	$(BIN)/papers-nbdev docs

readme: venv
	$(BIN)/papers-nbdev readme

lab: venv
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf _proc _docs
