# Class Management Service — every command a newcomer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv manages the environment; on a machine without it, bootstrap a private copy in .tools/.
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=
WORKERS ?= 1

.PHONY: help install run serve migrate test test-only lint fmt services-up services-down bench faults clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.tools/bin/uv:
	PYTHON=$(PYTHON) scripts/bootstrap-uv.sh

install: $(if $(findstring .tools,$(UV)),.tools/bin/uv) ## Create .venv with the locked dependencies
	$(UV) sync --frozen

run: install ## Serve on :5002 (embedded SQLite unless CLASS_MANAGEMENT_SERVICE_DATABASE_URL is set)
	$(UV) run --frozen python -m class_management_service migrate
	$(UV) run --frozen python -m class_management_service serve --workers $(WORKERS)

migrate: install ## Apply database migrations to CLASS_MANAGEMENT_SERVICE_DATABASE_URL (or the default)
	$(UV) run --frozen python -m class_management_service migrate

services-up: ## Start PostgreSQL, Redis and Kafka on 127.0.0.1; URLs go to .services.env
	scripts/services.sh up

services-down: ## Stop what services-up started
	scripts/services.sh down

lint: install ## ruff format check, ruff lint, mypy --strict, import-linter layer contracts
	$(UV) run --frozen ruff format --check src tests bench faults
	$(UV) run --frozen ruff check src tests bench faults
	$(UV) run --frozen mypy src tests bench faults
	$(UV) run --frozen lint-imports

fmt: install ## Format and autofix
	$(UV) run --frozen ruff format src tests bench faults
	$(UV) run --frozen ruff check --fix src tests bench faults

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
