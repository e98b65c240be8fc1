# Two commands matter: `make run` (whole system locally) and `make test` (lint + whole suite).
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: bootstrap web web-test run test lint format asyncapi api-types bench bench-queues drill-cluster

bootstrap:
	@scripts/bootstrap.sh

web:
	@scripts/build_web.sh

web-test: web
	cd web && npm test

run: bootstrap web
	uv run python deploy/run_local.py

test: bootstrap lint web-test
	uv run pytest

lint:
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy

format:
	uv run ruff format .
	uv run ruff check --fix .

asyncapi: bootstrap
	uv run python -m uts_shared.asyncapi docs/asyncapi.json

# The console's API types: web/openapi.json and web/src/app/core/api.gen.ts (stale ones fail
# tests/unit/test_console_api_types.py).
api-types: bootstrap
	@scripts/build_web.sh --packages
	uv run python scripts/openapi.py

bench: bootstrap
	uv run python bench/routes.py
	uv run python bench/realtime.py
	uv run python bench/store.py
	uv run python bench/similar.py
	uv run python bench/map.py
	uv run python bench/reports.py
	uv run python bench/report_writes.py

# Classic vs quorum queues on the local node (a vhost of its own).
bench-queues: bootstrap
	uv run python bench/queues.py

# Three RabbitMQ nodes of its own (never the one on :5672), the system on them, one node
# stopped during 16 concurrent creates: prints lost / duplicated / relayed (README).
drill-cluster: bootstrap
	uv run python scripts/drill_cluster.py
