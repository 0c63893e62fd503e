# `make run` and `make test` do all setup on a fresh machine.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
export FLASK_APP := wsgi.py

.PHONY: run test test-sqlite test-postgresql lint fmt install install-dev assets translations \
	i18n-update migrate demo browser pdf-libs screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/kern/kern.min.css: node_modules/.installed scripts/copy-assets.mjs
	npm run --silent build

assets: static/vendor/kern/kern.min.css

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d participation/translations

# Extract strings, update both catalogues and list what still needs a German translation.
i18n-update: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py update

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load

run: install assets translations pdf-libs demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Pango and the DejaVu fonts for the council report's PDF (WeasyPrint); installed through apt
# where missing. Without them everything but the PDF works.
pdf-libs:
	@(ldconfig -p | grep -q libpangoft2-1.0 && fc-list | grep -qi dejavu) \
		|| (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null) \
		|| echo "Pango could not be installed: the council report's PDF will not work"

# Debian's Chromium for the browser tests; Playwright never downloads a browser here.
# Where it cannot be installed, `make test` goes on and the browser tests say they were skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "Chromium could not be installed: the browser tests (tests/e2e) will be skipped"

test: install-dev assets translations pdf-libs browser
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgresql; \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

# -rs lists why tests were skipped (e.g. no Chromium for the browser tests).
test-sqlite:
	$(BIN)/pytest -rs $(PYTEST_ARGS)

test-postgresql:
	PARTICIPATION_TEST_BACKEND=postgresql $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

screenshot: install-dev assets translations browser
	$(BIN)/python scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf $(VENV) node_modules static/vendor instance

# Performance benchmark of the discussion pages (issue 3): seeds its own database, runs
# gunicorn on 127.0.0.1 and prints the table. Debian's wrk measures the 16-connection
# throughput (Python threads when it cannot be installed). BENCH_ARGS="--comments 1000".
.PHONY: bench
BENCH_ARGS ?=
bench: install translations
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) \
		|| echo "wrk could not be installed: Python threads measure the throughput"
	$(BIN)/python benchmarks/discussion.py $(BENCH_ARGS)

# The production stack on this machine (issue 9): PostgreSQL and Redis on 127.0.0.1 (started if
# needed), database participation_prod, gunicorn on 127.0.0.1:8000 and the outbox worker.
.PHONY: serve-prod soak
serve-prod: install assets translations pdf-libs
	BIN=$(BIN) scripts/serve_prod.sh

# Soak and fault test (benchmarks/soak.py): 60 s of readers, writers and a moderator against
# gunicorn + PostgreSQL + Redis with a killed worker and dropped connections. SOAK_ARGS="--duration 120".
SOAK_ARGS ?=
soak: install-dev assets translations
	$(BIN)/python benchmarks/soak.py $(SOAK_ARGS)
