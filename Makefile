# Kokeilu: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both work on a fresh Debian machine as root; they install what they need.

VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
export FLASK_APP := app

.PHONY: run test lint install install-dev translations extract-messages bench clean

$(VENV)/.runtime: requirements.txt
	scripts/ensure-python.sh
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

translations: $(VENV)/.runtime
	$(VENV)/bin/pybabel compile -d translations 

# Re-extract the source strings and merge them into the fi/sv/en catalogues
# (scripts/messages.py holds the options; tests/core/test_translations.py runs the same).
extract-messages: $(VENV)/.runtime
	$(PY) -m scripts.messages

run: install translations
	mkdir -p var
	$(FLASK) db upgrade
	$(FLASK) demo load
	scripts/run.sh

# scripts/test.sh runs the lint first, so `make test` fails on a lint finding too.
test: install-dev translations
	scripts/test.sh

lint: install-dev
	scripts/lint.sh

# Scale 1; `make bench ARGS="--scale 10"` measures scale 1 and 10 in one run (bench/run.py --help).
# Afterwards `.venv/bin/python bench/fanout.py` times opening a call to 10,000 subscribers.
bench: install-dev translations
	bash -c '. scripts/services.sh && services_install wrk:wrk'
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
