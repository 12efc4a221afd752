# Two commands for a fresh machine (see README.md): `make run` and `make test`.
# Both bootstrap a virtual environment in .venv with the Python found as $(PYTHON).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/safetydesk db upgrade
	$(BIN)/safetydesk serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Test files spread over three workers (pytest-xdist): most tests wait on a wiki, a browser
# or a subprocess, so three keep two cores busy. PYTEST_ARGS= runs them in one process.
PYTEST_ARGS ?= -n 3 --dist loadfile --durations=25

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Extract every message of the code into build/messages.pot and merge it into each language's
# .po (README: Translations). The keywords are also those of tests/test_i18n.py.
translations: $(VENV)/.run-installed
	mkdir -p build
	$(BIN)/pybabel extract --mapping-file=flaskapp/babel.cfg --keywords=lazy_gettext \
		--keywords=lazy_ngettext:1,2 --keywords=N_plural:1,2 --keywords=NP_:1c,2 --add-comments=TRANSLATORS: --add-location=file \
		--project="Safety Desk" --output-file=build/messages.pot .
	$(BIN)/pybabel update --input-file=build/messages.pot --output-dir=flaskapp/translations \
		--ignore-obsolete --ignore-pot-creation-date

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
