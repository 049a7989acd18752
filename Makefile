# Provenance: `make run` serves the app with demo data; `make test` passes every test.
PYTHON ?= python3
# Where `make run` serves: make run PORT=8000 (HOST=0.0.0.0 to listen on every interface)
PORT ?= 5000
HOST ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: chromium redis run worker test test-postgres lint bench venv dev-venv instance migrate seed vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

venv: $(VENV)/.runtime-installed

dev-venv: $(VENV)/.dev-installed

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32))); print('AUDIT_CHAIN_KEY = ' + repr(secrets.token_hex(32)))" > $@
	chmod 600 $@
	@echo "generated instance/config.py with a new secret key and audit chain key (keep a copy of the audit key outside the database)"

instance: instance/config.py

migrate: venv instance
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed --if-empty

# The web server and the background worker together (queue: SQLite in instance/, or TASK_BROKER_URL=redis://...).
# Ctrl+C stops both; when the web server stops, the worker is stopped with it.
# `make run PORT=8000 HOST=0.0.0.0` serves elsewhere; links in e-mails written outside a request (the worker's
# reminders) then point there too, unless BASE_URL is configured.
run seed worker: export PROVENANCE_DEFAULT_BASE_URL ?= http://$(HOST):$(PORT)
run: seed
	@echo ""
	@echo "Provenance is starting on http://$(HOST):$(PORT) with its background worker (Ctrl+C to stop)"
	@$(FLASK) demo logins
	@$(FLASK) worker run & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

# The worker alone (a second host, or a separate service next to gunicorn).
worker: migrate
	$(FLASK) worker run

chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium)"; exit 1; fi; \
	fi

redis:
	@if ! command -v redis-server >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian's redis-server for the worker's Redis tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "redis-server is missing: install Debian's 'redis-server' package (sudo apt-get install redis-server)"; exit 1; fi; \
	fi

lint: dev-venv
	$(BIN)/ruff check app tests scripts bench wsgi.py
	$(BIN)/mypy
	$(BIN)/lint-imports

test: dev-venv chromium redis lint
	$(BIN)/pytest -q --junitxml=test-artifacts/junit.xml

# The same suite against PostgreSQL: DATABASE_URL=postgresql://user@host/db make test-postgres
test-postgres: dev-venv chromium redis
	@test -n "$(DATABASE_URL)" || (echo "set DATABASE_URL to an empty PostgreSQL database"; exit 2)
	$(BIN)/pytest -q --junitxml=test-artifacts/junit.xml

bench: dev-venv migrate
	$(BIN)/python -m bench

vendor:
	./scripts/vendor_assets.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
