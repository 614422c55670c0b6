# The assistant's commands. `make run` and `make test` set everything up
# themselves: venv, pinned packages, database with demo data, trained model.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup venv db migrate model web browser run test test-postgres bench bench-feedback bench-offers bench-offers-telco bench-nps-value clean

help:
	@echo "make run    - set up, train if needed, start Rasa (5005), actions (5055), sidecar (8000)"
	@echo "make test   - set up, train if needed, run the test suite"
	@echo "make migrate - upgrade the database (DATABASE_URL) in place to this release"
	@echo "make test-postgres - the suite against PostgreSQL (TEST_PG_URL)"
	@echo "make bench  - latency, memory, start-up and training figures for this machine"
	@echo "make bench-feedback - feedback API latency/throughput, scores over 1M answers"
	@echo "make bench-offers - suggestion latency in process, and suggestions endpoint throughput"
	@echo "make bench-offers-telco - offer ranking hit@1/hit@3/MRR on the Telco sample (5-fold)"
	@echo "make bench-nps-value - retention, revenue and one NPS point's worth (telco sample)"

$(PY):
	@PYTHON=$$(scripts/find-python.sh) && $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel "setuptools<71"

$(STAMP): requirements.txt requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock
	$(PY) -m pip check
	touch $(STAMP)

venv: $(STAMP)

db: venv
	$(PY) -m assistant.cli init-db
	$(PY) -m assistant.cli train-offers --if-missing

# Upgrade an existing database (DATABASE_URL) in place to this release's schema.
migrate: venv
	$(PY) -m assistant.cli migrate

model: venv
	$(PY) -m scripts.model

# Front-end packages for the pages, pinned by web/package-lock.json.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

# Headless Chromium from Debian for the browser tests (Playwright drives it;
# nothing downloads a browser at run time).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	  || echo "could not install Debian's chromium: the browser tests will fail"

setup: venv db model web

run: setup
	$(PY) -m scripts.run_all

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite with PostgreSQL for the application data and the tracker store.
TEST_PG_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/assistant_test
test-postgres: setup browser
	$(PY) -m scripts.ensure_database $(TEST_PG_URL)
	TEST_DATABASE_URL=$(TEST_PG_URL) $(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m benchmarks.bench_assistant

bench-feedback: setup
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || echo "could not install wrk (Debian package): the wrk figure is skipped"
	$(PY) -m benchmarks.bench_feedback

bench-offers: venv
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || echo "could not install wrk (Debian package): the wrk figure is skipped"
	$(PY) -m benchmarks.bench_offers

# Offer ranking on the IBM Telco sample (issue 3's protocol); needs ../shared/datasets.
bench-offers-telco: venv
	$(PY) -m benchmarks.offers_telco

bench-nps-value: venv
	$(PY) -m benchmarks.bench_nps_value

clean:
	rm -rf var/ models/*.tar.gz .pytest_cache
