# Interpelle: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
AXE := axe-core@4.10.2
AXE_JS := .build/axe-core/axe.min.js

.PHONY: run test install dev-install db bench bench-exports clean communes audit \
	catalogue-extract catalogue-update catalogue-compile screenshots

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

dev-install: $(VENV)/.installed-dev

# A development .env with a random secret key, written once.
.env:
	@printf 'SECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')" > .env
	@echo "Wrote .env with a new random SECRET_KEY."

## Creates the database, or applies the migration steps an existing one lacks.
db: install .env
	$(FLASK) init-db
	$(FLASK) migrate
	$(FLASK) seed-demo

## Web server and outbox worker on http://$(HOST):$(PORT); Ctrl-C stops both.
run: db
	@echo "Interpelle on http://$(HOST):$(PORT) (mail kept at /dev/courriels unless MAIL_SERVER is set)"
	@trap 'kill 0' INT TERM EXIT; \
	  export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
	  $(FLASK) worker & \
	  $(FLASK) --debug run --host $(HOST) --port $(PORT)

## The whole test suite (PostgreSQL when TEST_DATABASE_URL is set, Chromium when installed).
test: dev-install $(AXE_JS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Known vulnerabilities in the pinned requirements (pip-audit; skipped with a message when
## its data cannot be fetched), then bandit on the code, failing on high-severity findings.
BANDIT_PATHS := app.py models.py commands.py config.py extensions.py blueprints services migrations
audit: dev-install
	$(BIN)/python scripts/pip_audit.py requirements.txt
	$(BIN)/bandit -q -r $(BANDIT_PATHS) --severity-level high --confidence-level medium

## French is the language the code is written in; translations/<lang>/ holds the others
## (English), and French's own plural forms. Extract the strings, update the catalogues,
## translate what is new in translations/en/LC_MESSAGES/messages.po, then compile.
POT := translations/messages.pot
## The main pages in French and English at 375 px and 1280 px, to screenshots/ (Chromium).
screenshots: dev-install
	$(BIN)/python scripts/screenshots.py --out screenshots

catalogue-extract: install
	$(BIN)/pybabel --quiet extract -F babel.cfg --ignore-dirs ".* __pycache__" -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --sort-by-file --width 100 \
	  --project Interpelle --copyright-holder "Interpelle" -o $(POT) .

catalogue-update: catalogue-extract
	$(BIN)/pybabel --quiet update -i $(POT) -d translations --width 100 --no-fuzzy-matching --ignore-obsolete

catalogue-compile: install
	$(BIN)/pybabel --quiet compile -d translations --statistics

## axe-core, the accessibility rules the browser tests check pages against (npm, pinned).
$(AXE_JS):
	@if command -v npm >/dev/null; then \
	  rm -rf .build/axe-core && mkdir -p .build/axe-core && cd .build/axe-core && \
	  { npm pack --silent $(AXE) >/dev/null && tar xzf *.tgz --strip-components=1 package/axe.min.js; } \
	  || echo "axe-core could not be fetched: the accessibility test will be skipped"; \
	else echo "npm is not installed: the accessibility test will be skipped"; fi

## Rebuild data/communes.csv from the pinned npm package (Licence Ouverte).
DECOUPAGE := @etalab/decoupage-administratif@6.0.0
communes:
	rm -rf .build/decoupage && mkdir -p .build/decoupage
	cd .build/decoupage && npm pack --silent $(DECOUPAGE) >/dev/null && tar xzf *.tgz
	$(PYTHON) scripts/build_communes.py .build/decoupage/package/data data

bench: dev-install
	$(BIN)/python -m bench $(BENCH_ARGS)

## CSV and PDF of 100,000 signatories: time and peak memory.
bench-exports: dev-install
	$(BIN)/python -m bench.exports $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
