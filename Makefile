# Open Power Service. `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
FLASK   = PORTAL_ENV=$${PORTAL_ENV:-development} $(VENV)/bin/flask --app portal
PORT   ?= 5000
HOST   ?= 127.0.0.1
PYBABEL = $(VENV)/bin/pybabel
PO_FILES = $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES = $(PO_FILES:.po=.mo)
TEST_DATABASE_URL ?= $(PORTAL_TEST_DATABASE_URL)

.DEFAULT_GOAL := help
.PHONY: help run serve test test-sqlite test-postgres lint fmt extract update compile \
        check-strings db-upgrade demo bench clean lock pre-commit

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# The environment is built from a lock file (pip-compile, with hashes): requirements/main.txt
# for running the portal, requirements/dev.txt (the same pins plus the tools) for tests and CI.
# When a lock changes the environment is built anew, so that it holds exactly the lock's
# packages; the project itself is installed without dependencies. After a change of the
# dependencies in pyproject.toml, `make lock` renews the locks (a test fails until then).
define fresh-venv
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(1)
	$(PY) -m pip install --quiet --no-deps -e .
endef

$(VENV)/.installed: requirements/main.txt
	$(call fresh-venv,requirements/main.txt)
	touch $@

# A superset of the running environment: make run and the other targets use it too.
$(VENV)/.installed-dev: requirements/dev.txt requirements/main.txt
	$(call fresh-venv,requirements/dev.txt)
	touch $(VENV)/.installed $@

PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

# Order-only: renewing the locks needs pip-compile, not an environment built from the old ones.
lock: | $(VENV)/.installed-dev ## Renew the locks after a change of pyproject.toml (LOCK_ARGS=--upgrade: newest allowed)
	$(PIP_COMPILE) --output-file requirements/main.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements/main.txt \
	  --output-file requirements/dev.txt pyproject.toml

pre-commit: $(VENV)/.installed-dev ## Install the git hook that runs ruff and mypy before each commit
	$(VENV)/bin/pre-commit install

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(PYBABEL) compile --statistics -i $< -o $@

compile: $(MO_FILES) ## Compile the translation catalogues (.mo files are built, not committed)

db-upgrade: $(VENV)/.installed compile ## Apply database migrations
	$(FLASK) db upgrade

demo: db-upgrade ## Load the fictitious demo data if the database holds no real data
	$(FLASK) demo load --skip-if-real

run: demo ## Set up everything and serve on http://127.0.0.1:5000 (PORT=8000 for another port)
	$(FLASK) stats refresh
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed compile ## Serve with gunicorn and gunicorn.conf.py as in production (PORTAL_* from the environment)
	BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py

test: $(VENV)/.installed-dev compile lint check-strings test-sqlite test-postgres ## Lint, check strings, run the suite on SQLite and PostgreSQL

test-sqlite: $(VENV)/.installed-dev compile ## Run the suite on SQLite only (PYTEST_ARGS="-k login" for a part)
	PORTAL_TEST_DATABASE_URL= $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev compile ## Run the suite on PORTAL_TEST_DATABASE_URL (PostgreSQL)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
	  echo "== the suite again on $(TEST_DATABASE_URL)"; \
	  PORTAL_TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then echo "CI needs PORTAL_TEST_DATABASE_URL"; exit 1; \
	else echo "== PostgreSQL run skipped: set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://..."; fi

lint: $(VENV)/.installed-dev ## ruff and mypy
	$(VENV)/bin/ruff check portal tests $(wildcard bench)
	$(VENV)/bin/mypy

fmt: $(VENV)/.installed-dev ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix portal tests $(wildcard bench)

extract: $(VENV)/.installed ## Extract translatable strings into translations/messages.pot
	$(PY) -m portal.i18n_tools extract

update: extract ## Merge new strings into both catalogues (English is filled from the source)
	$(PYBABEL) --quiet update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100 --ignore-obsolete
	$(PY) -m portal.i18n_tools fill-english

check-strings: $(VENV)/.installed ## Fail if the catalogues are stale, untranslated or fuzzy
	$(PY) -m portal.i18n_tools check

bench: $(VENV)/.installed-dev compile ## Run the benchmarks in bench/
	@ls bench/*_bench.py >/dev/null 2>&1 || { echo "No benchmarks yet."; exit 0; }; \
	for script in bench/*_bench.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean: ## Remove the virtual environment and built files (keeps instance/)
	rm -rf $(VENV) $(MO_FILES) .pytest_cache .mypy_cache .ruff_cache
