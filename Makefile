# Caseflow: `make run` for a local instance, `make test` for the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Browser tests drive Debian's chromium (never a downloaded browser): installed here when missing.
CHROMIUM ?= /usr/bin/chromium

.PHONY: install pdf-libs browser oidc-provider run test _test lint format messages compilemessages diagram bench clean api-schema release restore-drill release-dump

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (or set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: pdf-libs $(STAMP) compilemessages

compilemessages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=.venv -v 0; \
	else echo "msgfmt not found: using the committed .mo files"; fi

run: install
	$(PY) manage.py migrate --noinput
	DEBUG=false $(PY) manage.py seed_demo --accounts-only
	SEED_DEMO_CASES=1 bin/dev

# PDF documents (WeasyPrint) need Pango and a font with Polish letters: installed when missing.
pdf-libs:
	@if ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 && [ -d /usr/share/fonts/truetype/dejavu ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Pango and DejaVu fonts for PDF documents"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	else echo "Pango is not installed (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core): PDF documents will fail"; fi

browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else echo "chromium is not installed (Debian: apt-get install chromium): the browser tests will be skipped"; fi

# The single sign-on tests run a real OpenID provider (tests/oidc_provider: panva's
# node-oidc-provider) under Node.js: its locked packages are installed here when node is.
OIDC_PROVIDER_DIR := tests/oidc_provider
oidc-provider:
	@if ! command -v node >/dev/null 2>&1; then \
		echo "Node.js is not installed (Debian: apt-get install nodejs npm): the single sign-on tests will be skipped"; \
	elif [ ! -f $(OIDC_PROVIDER_DIR)/node_modules/.package-lock.json ] \
		|| [ $(OIDC_PROVIDER_DIR)/package-lock.json -nt $(OIDC_PROVIDER_DIR)/node_modules/.package-lock.json ]; then \
		echo "Installing the test OpenID provider (npm ci --prefix $(OIDC_PROVIDER_DIR))"; \
		npm ci --prefix $(OIDC_PROVIDER_DIR) --no-audit --no-fund --loglevel=error; \
	fi

test: install browser oidc-provider
	bin/with-services $(MAKE) --no-print-directory _test

_test:
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages -l pl -l en --ignore=.venv --ignore=bench --ignore=node_modules --no-obsolete

clean:
	rm -rf $(VENV) .celery db.sqlite3 staticfiles build dist *.egg-info

# A release for servers (docs/install.md): the wheel (code, templates, static files, compiled
# translations), the exact library versions it was tested with, and their checksums.
release: $(STAMP) compilemessages
	rm -rf dist build && mkdir -p dist
	$(PY) -m pip wheel --quiet --no-deps --no-build-isolation -w dist .
	cp constraints.txt dist/constraints-$$($(PY) -c 'from config import __version__; print(__version__)').txt
	cd dist && sha256sum caseflow-*.whl constraints-*.txt > SHA256SUMS
	@ls -l dist

# The performance harness (bench/): generate SCALE cases in their own database, run every
# scenario, write bench/results/latest.json and latest.md. Needs a few minutes at 20,000 cases,
# about half an hour at 1,000,000 (the default). Redis DB 12 takes the notifications it enqueues.
SCALE ?= 1000000
BENCH_ARGS ?=
bench: install
	REDIS_URL=$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/12} bin/with-services \
		$(PY) -m bench.run --scale $(SCALE) $(BENCH_ARGS)

# The stage diagram: Graphviz source, and an SVG when Graphviz is installed.
diagram: $(STAMP)
	$(PY) manage.py graph_transitions case_flows.Case.stage > docs/case-stages.dot
	@if command -v dot >/dev/null 2>&1; then dot -Tsvg docs/case-stages.dot -o docs/case-stages.svg; \
	else echo "Graphviz (dot) not installed: docs/case-stages.svg not refreshed"; fi

# The API's OpenAPI description, committed (docs/api/openapi.yaml): regenerate after changing an
# endpoint; tests/api/test_schema.py fails while the committed file differs from the code's.
api-schema: $(STAMP)
	$(PY) manage.py spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

# The restore drill (docs/operations.md): dump DATABASE_URL's database and the attachment store,
# restore both into a new database and folder, compare them, drop the copy. Exit status 1 on any
# difference. RESTORE_DRILL_ARGS="--keep" keeps the copy to look at.
RESTORE_DRILL_ARGS ?=
restore-drill: $(STAMP)
	bin/with-services $(PY) manage.py restore_drill $(RESTORE_DRILL_ARGS)

# This release's demo database for the next release's upgrade test (tests/test_upgrade.py):
# tests/fixtures/releases/<version>.sql.gz from REF's code (default HEAD). See docs/operations.md.
REF ?= HEAD
release-dump:
	bin/with-services bin/release-dump $(REF)
