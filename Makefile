# Two commands on a fresh machine with Python 3.11 and pip:
#   make demo   creates .venv, installs nmskit and the peers it measures against, runs `nmskit demo`
#   make test   installs nmskit plus the test-only peers, runs pytest
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch 2.13.0 first: the local CPU build, so the torch extra's torch>=2.3 pulls nothing more.
# Everything is installed: the bare package plus all extras (torch, plot, ray, las, dlis).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all]'
	touch $@

# The peers (OpenCV, TensorFlow, ...) that the demo and the tests measure against, plus
# pytest. nuscenes-devkit and tf-models-official pin old dependencies, so they go in
# without theirs (what their imports need is listed in requirements-peers.txt).
$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt requirements-peers.txt
	$(PIP) install -q -r requirements-test.txt
	$(PIP) install -q --no-deps nuscenes-devkit==1.2.0 tf-models-official==2.20.0
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install-test
	$(BIN)/nmskit demo

test: install-test
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/nmskit bench all

clean:
	rm -rf $(VENV) demo-report .pytest_cache .hypothesis
