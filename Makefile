# Class Management Service — every command a newcomer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv manages the environment; on a machine without it, bootstrap a private copy in .tools/.
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=
WORKERS ?= 1

.PHONY: help install install-runtime run run-embedded serve migrate test test-only lint fmt services-up services-down services-reset tail bench faults clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.tools/bin/uv:
	PYTHON=$(PYTHON) scripts/bootstrap-uv.sh

install: $(if $(findstring .tools,$(UV)),.tools/bin/uv) ## Create .venv with the locked dependencies, test and lint tools (dev group) included
	$(UV) sync --frozen

install-runtime: $(if $(findstring .tools,$(UV)),.tools/bin/uv) ## Install only what serving needs (no test or lint tools)
	$(UV) sync --frozen --no-dev --inexact

run: install-runtime ## Migrate + serve on :5002: the local services if `make services-up` started them, else embedded SQLite
	@UV=$(UV) scripts/run.sh auto serve --workers $(WORKERS)

run-embedded: install-runtime ## Migrate + serve on :5002 on embedded SQLite even while the local services run
	@UV=$(UV) scripts/run.sh embedded serve --workers $(WORKERS)

migrate: install-runtime ## Apply database migrations to the database `make run` would use
	@UV=$(UV) scripts/run.sh auto migrate

services-up: ## Start PostgreSQL, Redis and Kafka on 127.0.0.1; URLs go to .services.env
	scripts/services.sh up

services-down: ## Stop what services-up started
	scripts/services.sh down

services-reset: ## Empty the local services: databases, Kafka topics and offsets, Redis (running or not)
	scripts/services.sh reset

tail: install-runtime ## Print the service's events from the local Kafka as they arrive (TAIL_ARGS="--from-beginning")
	$(UV) run --frozen --no-sync python scripts/tail_events.py $(TAIL_ARGS)

lint: install ## ruff format check, ruff lint, mypy --strict, import-linter layer contracts
	$(UV) run --frozen ruff format --check src tests bench faults scripts
	$(UV) run --frozen ruff check src tests bench faults scripts
	$(UV) run --frozen mypy src tests bench faults scripts
	$(UV) run --frozen lint-imports

fmt: install ## Format and autofix
	$(UV) run --frozen ruff format src tests bench faults scripts
	$(UV) run --frozen ruff check --fix src tests bench faults scripts

test: lint ## Lint, then every test level against real services it starts and stops itself
	scripts/services.sh up
	status=0; $(UV) run --frozen pytest $(PYTEST_ARGS) || status=$$?; \
	  [ -n "$$KEEP_SERVICES" ] || scripts/services.sh down; exit $$status

test-only: install ## Run pytest against already running services (make services-up first)
	$(UV) run --frozen pytest $(PYTEST_ARGS)

bench: install ## Benchmarks (see bench/README.md); writes bench/results/latest.json
	scripts/services.sh up
	$(UV) run --frozen python -m bench.run $(BENCH_ARGS)

faults: install ## Fault suite (≤ 10 min): faults under load against the production topology; faults/results/latest.md
	scripts/services.sh up
	timeout --signal=INT --kill-after=30 600 $(UV) run --frozen python -m faults $(FAULTS_ARGS)

clean: ## Remove local state (SQLite file, caches); services must be down
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
