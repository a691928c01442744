# Backlot. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true

.DEFAULT_GOAL := help
.PHONY: help install demo test soak lint format dev bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -c "from pipelines.lib.dbt import ensure_manifest; ensure_manifest()"
	touch $@

install: $(INSTALLED)  ## create .venv and install Backlot with its dev tools

demo: $(INSTALLED)  ## seed sample data into ./.backlot, run the whole pipeline, print the marts
	$(VENV)/bin/backlot demo

test: $(INSTALLED)  ## the full test suite (real DuckDB, DuckLake, dbt, GX, Dagster; temp homes)
	$(PY) -m pytest

soak: $(INSTALLED)  ## the crash loop at length: 200 SIGKILLs of serve, backlot run and maintain (about 40 min)
	BACKLOT_FAULT_KILLS=$${BACKLOT_FAULT_KILLS:-60} BACKLOT_FAULT_SEED=$${BACKLOT_FAULT_SEED:-$$(date +%s)} \
		$(PY) -m pytest tests/faults/test_crash_anywhere.py -s

lint: $(INSTALLED)  ## ruff, ruff format --check, mypy
	$(VENV)/bin/ruff check pipelines tests bench
	$(VENV)/bin/ruff format --check pipelines tests bench
	$(VENV)/bin/mypy

format: $(INSTALLED)  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix pipelines tests bench
	$(VENV)/bin/ruff format pipelines tests bench

dev: $(INSTALLED)  ## backlot serve for development: the UI on :3000, the daemon, the ingest API on :8484 without a token
	$(VENV)/bin/backlot serve --insecure-no-auth

bench: $(INSTALLED)  ## benchmarks against bare DuckDB (prints figures; about an hour and a half)
	$(PY) bench/ingest_box_office.py
	$(PY) bench/ingest_render.py
	$(PY) bench/parse_blender_log.py
	$(PY) bench/ingest_social.py
	$(PY) bench/ingest_api.py
	$(PY) bench/serve_latency.py
	$(PY) bench/sql_latency.py
	$(PY) bench/dashboard_latency.py
	$(PY) bench/incremental_passes.py

clean:  ## remove the demo home and build artefacts (keeps .venv)
	rm -rf .backlot dbt_project/target dbt_project/logs
