# Steward: two commands. `make run` opens the dashboard, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
# Open a browser tab only where there is a screen to show it on.
HEADLESS ?= $(if $(or $(DISPLAY),$(WAYLAND_DISPLAY)),false,true)
export STEWARD_HOME ?= $(CURDIR)/.steward

.PHONY: run test setup demo lint format chromium bench clean

run: setup demo
	@echo "Steward: open http://localhost:$(PORT) (workspace: $(STEWARD_HOME))"
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless $(HEADLESS) --server.showEmailPrompt false

test: setup chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q --durations=20

setup: $(STAMP)

$(STAMP): requirements.txt
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

demo: setup
	$(PY) -m backend demo

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
