# astreinte — make demo | make test | make lab | make lint | make bench
# Everything here runs as root on Debian 12 and installs what it needs.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEB_PACKAGES := debootstrap sip-tester baresip-core espeak-ng sox zstd curl iproute2 util-linux chromium
ISOLATED := bash lab/isolated

.PHONY: help setup deb venv lab-image lab lab-stop demo test test-unit lint bench clean

help:
	@echo "make demo      set everything up and place one real call through the sample rota"
	@echo "make test      set everything up and run the whole test suite, lab included"
	@echo "make lab       start the lab Asterisk (127.0.0.1) and leave it running; make lab-stop"
	@echo "make lint      ruff + mypy --strict"
	@echo "make bench     run the benchmarks against the lab"

setup: deb venv

deb:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

lab-image: deb
	bash lab/astlab.sh ensure >/dev/null

lab: setup lab-image
	bash lab/astlab.sh start asterisk_conf dev
	@echo "lab Asterisk running: ARI http://127.0.0.1:8088 (astreinte/secret), AMI 127.0.0.1:5038, SIP 127.0.0.1:5060"
	@echo "CLI: bash lab/astlab.sh cli dev 'pjsip show endpoints'   stop: make lab-stop"
	@echo "daemon: $(VENV)/bin/astreinte --config config.yaml run"

lab-stop:
	bash lab/astlab.sh stop dev

demo: setup lab-image
	$(ISOLATED) $(PY) -m lab.demo

test: setup lab-image
	$(ISOLATED) $(PY) -m pytest

test-unit: venv
	$(PY) -m pytest tests/unit tests/adapters

lint: venv
	$(VENV)/bin/ruff check astreinte tests lab bench
	$(VENV)/bin/mypy

bench: setup lab-image
	$(ISOLATED) $(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
