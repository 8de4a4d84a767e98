# astreinte — make demo | make test | make lab | make lint | make bench
# Everything here runs as root on Debian 12 and installs what it needs.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEB_PACKAGES := debootstrap sip-tester baresip-core espeak-ng sox zstd curl iproute2 util-linux chromium faketime \
                poppler-utils khal chromium-driver vdirsyncer python3-venv
ISOLATED := bash lab/isolated

CATALOGS := $(patsubst %.po,%.mo,$(wildcard astreinte/locale/*/LC_MESSAGES/astreinte.po))

.PHONY: help setup deb venv catalogs messages lab-image lab lab-stop demo test test-unit test-clocks lint bench bench-quick \
	clean install wheels

help:
	@echo "make demo      set everything up and place one real call through the sample rota"
	@echo "make test      set everything up and run the whole test suite, lab included, then the unit and"
	@echo "               adapter suites at three other instants (faketime: DST changes, 2031)"
	@echo "make lab       start the lab Asterisk (127.0.0.1) and leave it running; make lab-stop"
	@echo "make lint      ruff + mypy --strict"
	@echo "make bench     run the benchmarks against the lab (BENCH_ARGS='--only human' ...)"
	@echo "make bench-quick  the same, a few calls of each (python -m bench --quick)"
	@echo "make messages  extract the people-facing messages and update the catalogs (then translate the .po)"
	@echo "make install   install astreinte on this PBX: /opt/astreinte, user astreinte, systemd unit (docs/install.md)"

setup: deb venv catalogs

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

# gettext catalogs: .po (in git) -> .mo (built here; astreinte/i18n.py compiles a missing or stale one in memory)
catalogs: $(CATALOGS)

astreinte/locale/%/LC_MESSAGES/astreinte.mo: astreinte/locale/%/LC_MESSAGES/astreinte.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -D astreinte -l $* -i $< -o $@

messages: venv
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --project astreinte \
	  --copyright-holder "the astreinte authors" -o astreinte/locale/astreinte.pot .
	$(VENV)/bin/pybabel update -D astreinte -i astreinte/locale/astreinte.pot -d astreinte/locale \
	  --ignore-obsolete --width 116

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
	PY=$(PY) bash tests/other_instants.sh

test-clocks: venv catalogs
	PY=$(PY) bash tests/other_instants.sh

test-unit: venv catalogs
	$(PY) -m pytest tests/unit tests/adapters

lint: venv catalogs
	$(VENV)/bin/ruff check astreinte tests lab bench
	$(VENV)/bin/mypy

bench: setup lab-image
	$(ISOLATED) $(PY) -m bench $(BENCH_ARGS)

bench-quick: setup lab-image
	$(ISOLATED) $(PY) -m bench --quick $(BENCH_ARGS)

install:
	WHEELS=$(WHEELS) bash contrib/install.sh

wheels:
	$(PYTHON) -m pip wheel --quiet -w dist/wheels .
	@echo "dist/wheels: astreinte and its dependencies; on the PBX: make install WHEELS=dist/wheels"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
