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

.PHONY: help install run test test-fast bench browser translations extract-messages update-messages clean

help:
	@echo "make run    install what is missing, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   install what is missing (Chromium included) and run the whole suite"
	@echo "make bench  run the benchmarks under tests/bench (on demand, not part of make test)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

install: $(STAMP) $(MO)

# Debian's Chromium for the browser tests: installed when missing, and a loud failure if it cannot be had.
browser:
	@if ! test -x $(CHROMIUM); then \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi
	@$(CHROMIUM) --version >/dev/null 2>&1 || { echo "ERROR: Chromium ($(CHROMIUM)) is required for browser tests and could not be installed." >&2; exit 1; }

run: install
	IDEABOARD_ENV=development $(FLASK) db upgrade
	IDEABOARD_ENV=development $(FLASK) demo load
	IDEABOARD_ENV=development HOST=$(HOST) PORT=$(PORT) $(BIN)/python wsgi.py

test: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

bench: install
	$(BIN)/pytest tests/bench -p no:cacheprovider -o addopts="" -s $(PYTEST_ARGS)

# Translation workflow: extract, merge into each catalogue, translate, then `make install` compiles.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o ideaboard/translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i ideaboard/translations/messages.pot -d ideaboard/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache $(MO)
