# Ideaboard: the two commands a newcomer needs are `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
CHROMIUM ?= /usr/bin/chromium
STAMP  := $(VENV)/.installed-stamp
PO     := $(wildcard ideaboard/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
FLASK  := $(BIN)/flask --app wsgi
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: FORCE help install pango run hall test test-fast lint migration bench browser nginx java vnu translations extract-messages update-messages init-messages clean

help:
	@echo "make run    install what is missing, migrate, load demo data (once), serve on http://$(HOST):$(PORT)"
	@echo "make test   install what is missing (Chromium included) and run the whole suite"
	@echo "make bench  run the benchmarks under tests/bench (on demand, not part of make test)"
	@echo "make hall   serve an imported ideathon on the hall's network, no internet (README)"

# The virtualenv is rebuilt when what it is built from changes: pyproject.toml's dependencies, Python
# version and build system (DEPS holds them, rewritten only when they differ), not when anything else in
# the file does (its import contracts and tool settings change often, and a git checkout touches it).
# A fresh stamp means no pip at all: `make run` restarts in seconds, and without internet in a hall.
DEPS   := $(VENV)/.dependencies

$(DEPS): FORCE
	@mkdir -p $(VENV)
	@$(PYTHON) -c 'import json, tomllib; p = tomllib.load(open("pyproject.toml", "rb")); \
		print(json.dumps([p["build-system"], p["project"]["requires-python"], p["project"]["dependencies"], \
		p["project"].get("optional-dependencies")], sort_keys=True))' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

FORCE:

$(STAMP): $(DEPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Fuzzy entries are never compiled (tests/test_i18n.py also fails on any).
%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

install: pango $(STAMP) $(MO)

# WeasyPrint (the report as a PDF) needs the system's Pango: installed when missing, loudly failing otherwise.
pango:
	@if ! /sbin/ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
		echo "Installing Pango for WeasyPrint (the report as a PDF)..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	fi
	@/sbin/ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || { echo "ERROR: Pango (libpangoft2-1.0-0) is required and could not be installed." >&2; exit 1; }

# Debian's Chromium for the browser tests: installed when missing, and a loud failure if it cannot be had.
browser:
	@if ! test -x $(CHROMIUM); then \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi
	@$(CHROMIUM) --version >/dev/null 2>&1 || { echo "ERROR: Chromium ($(CHROMIUM)) is required for browser tests and could not be installed." >&2; exit 1; }

# Debian's nginx for the deployment test (tests/browser/test_deploy.py runs deploy/nginx/ideaboard.conf in
# front of two gunicorn processes): installed when missing, and a loud failure if it cannot be had. The
# test starts its own nginx as the current user on free ports; nothing is served on port 80 by it.
NGINX ?= /usr/sbin/nginx

nginx:
	@if ! test -x $(NGINX); then \
		echo "Installing Debian's nginx for the deployment test..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nginx; \
	fi
	@$(NGINX) -v >/dev/null 2>&1 || { echo "ERROR: nginx ($(NGINX)) is required for the deployment test and could not be installed." >&2; exit 1; }

# The Nu HTML Checker (vnu-jar, pinned in package.json / package-lock.json) for the browser tests'
# HTML check (tests/browser/conftest.py): it needs Java, Debian's default-jre-headless, installed when
# missing and a loud failure otherwise. npm's install scripts are skipped (the package's own script
# would try to download a Java runtime); the jar itself comes in the package.
VNU := node_modules/vnu-jar/build/dist/vnu.jar

java:
	@if ! command -v java >/dev/null 2>&1; then \
		echo "Installing Debian's default-jre-headless for the Nu HTML Checker..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq default-jre-headless; \
	fi
	@java -version >/dev/null 2>&1 || { echo "ERROR: Java (default-jre-headless) is required for the Nu HTML Checker and could not be installed." >&2; exit 1; }

$(VNU): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "Installing Debian's npm for the Nu HTML Checker..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; \
	fi
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@test -f $@ || { echo "ERROR: the Nu HTML Checker ($@) could not be installed from package-lock.json." >&2; exit 1; }
	@touch $@

vnu: java $(VNU)

# --prepare: the pending migrations only and the demo data the first time only (`flask prepare`,
# ideaboard/cli.py), in the server's own process: a restart with nothing new starts the app once.
run: install
	IDEABOARD_ENV=development HOST=$(HOST) PORT=$(PORT) $(BIN)/python wsgi.py --prepare

# A laptop in a hall without internet (README, "Running an ideathon without internet"): SQLite in the
# instance folder whatever DATABASE_URL/REDIS_URL say, on every address of the laptop, no demo data.
# KIT=file imports a hall kit first; WIFI_NAME and WIFI_PASSWORD go on the setup sheet. Like `make run`,
# a restart with nothing new starts in seconds (no pip, only pending migrations).
HALL_HOST ?= 0.0.0.0
hall: export IDEABOARD_HALL_WIFI_NAME = $(WIFI_NAME)
hall: export IDEABOARD_HALL_WIFI_PASSWORD = $(WIFI_PASSWORD)
hall: install
	$(if $(KIT),env -u DATABASE_URL -u REDIS_URL IDEABOARD_ENV=hall $(FLASK) hall import "$(KIT)")
	env -u DATABASE_URL -u REDIS_URL IDEABOARD_ENV=hall HOST=$(HALL_HOST) PORT=$(PORT) $(BIN)/python wsgi.py --hall

test: install browser nginx vnu lint
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install lint
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

# The import contracts of pyproject.toml (docs/architecture.md): layers point one way, no cycles.
lint: install
	$(BIN)/lint-imports

# A new migration, numbered after the last one and named by its subject (docs/architecture.md, "Migrations"):
#   make migration M="rooms: hall kit"   ->   migrations/versions/0008_rooms_hall_kit.py
migration: install
	@test -n "$(M)" || { echo 'Say what the migration is for: make migration M="package: subject"' >&2; exit 1; }
	IDEABOARD_ENV=development $(FLASK) db upgrade
	IDEABOARD_ENV=development $(FLASK) db migrate -m "$(M)" --rev-id $$(ls migrations/versions | sed -n 's/^\([0-9]\{4\}\)_.*/\1/p' | sort | tail -1 | awk '{printf "%04d", $$1 + 1}')

bench: install
	$(BIN)/pytest tests/bench -p no:cacheprovider -o addopts="" -s $(PYTEST_ARGS)

# Translation workflow (README, "Translations"): wrap the Spanish text in _() / _l() / ngettext,
# `make update-messages`, translate the new entries in ideaboard/translations/en/LC_MESSAGES/messages.po
# (Spanish is the source language: its catalogue stays empty), then `make install` compiles.
# Extractors and keywords: babel.cfg and BABEL_KEYWORDS. tests/test_i18n.py fails while the .pot is stale or
# an English translation is missing.
POT := ideaboard/translations/messages.pot
# Also in babel.cfg, which only Babel >= 2.18 reads keywords from; tests/test_i18n.py uses the same list.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-comments=TRANSLATORS: --project=Ideaboard --copyright-holder="Ideaboard contributors" --no-location --sort-output -o $(POT) .

update-messages: extract-messages
	$(BIN)/pybabel update -i $(POT) -d ideaboard/translations --no-fuzzy-matching

# A new interface language: make init-messages LOCALE=cak (any code of ideaboard/languages.py, also those
# Babel has no data for, which `pybabel init` refuses: every msgstr empty, Spanish's two plural forms;
# docs/translating.md). Then `make translations` compiles it and IDEABOARD_LANGUAGES may offer it.
init-messages: extract-messages
	@test -n "$(LOCALE)" || { echo "usage: make init-messages LOCALE=<code>" >&2; exit 1; }
	$(BIN)/python -m ideaboard.catalogues init $(LOCALE)

# Compiles every catalogue (.mo files are built, not committed: .gitignore).
translations: $(MO)

clean:
	rm -rf $(VENV) instance .pytest_cache $(MO)
