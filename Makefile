# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RN_HOME ?= $(CURDIR)/.routenator
export RN_HOME
export DAGSTER_HOME ?= $(RN_HOME)/dagster_home
export WANDB_MODE ?= offline
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: setup browser instance run test bench ui validate clean

setup: $(STAMP)

# tests/test_ui_browser.py draws the UI and the report in Debian's headless Chromium (~2 min once;
# a no-op when it is there). Installing needs root; elsewhere install it yourself.
APT_CHROMIUM := DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium-headless-shell
browser:
	@command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null || \
	  { test "$$(id -u)" = 0 && { $(APT_CHROMIUM) || { apt-get update -q && $(APT_CHROMIUM); }; }; } || \
	  echo "note: no headless Chromium (apt-get install chromium-headless-shell as root); tests/test_ui_browser.py needs one"

# torch first, as the exact CPU wheel: any looser torch requirement pulls gigabytes of CUDA.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# A SQLite Dagster instance under RN_HOME, so `make ui` shows every run `make run` made.
instance:
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp k8s/dagster.local.yaml $(DAGSTER_HOME)/dagster.yaml

run: setup instance
	$(VENV)/bin/routenator run

test: setup browser
	$(PY) -m pytest -q tests

bench: setup
	$(PY) -m bench.run_all

validate: setup instance
	$(VENV)/bin/dg check defs

ui: setup instance
	$(VENV)/bin/dg dev --host 127.0.0.1 --port $${PORT:-3000}

clean:
	rm -rf $(RN_HOME) wandb
