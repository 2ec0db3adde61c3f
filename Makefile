# Two commands set everything up on a fresh machine:
#   make run   - install, migrate, compile translations, load demo data, serve on http://127.0.0.1:8000
#   make test  - install, lint, check migrations, run the whole test suite
# With DATABASE_URL / REDIS_URL set they use PostgreSQL / Redis (and `make run`
# starts a Celery worker and beat beside the web server).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP  := $(VENV)/.installed-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Debian packages the project needs: Chromium for browser tests, gettext to
# compile translations, fonts with Cyrillic for PDFs (Liberation Serif is
# metric-compatible with Times New Roman, which Order 725n names), Pango for
# WeasyPrint; poppler-utils and zbar-tools let the tests read a PDF's page and
# its QR code back as a person's scanner would.
SYSTEM_PACKAGES := chromium gettext fontconfig fonts-dejavu-core fonts-liberation zbar-tools libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install system-deps messages makemessages lint format lock worker beat clean

# Links in e-mails and PDFs made without a request (beat, the worker) point at
# the address served here; QAC_SITE_URL, when set, wins everywhere.
run: export QAC_DEV_SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: install messages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "REDIS_URL is set: starting a Celery worker and beat beside the web server"; \
	  mkdir -p var; \
	  $(BIN)/celery -A qac worker -Q default,documents -l info & worker=$$!; \
	  $(BIN)/celery -A qac beat -l info -s var/celerybeat-schedule & beat=$$!; \
	  trap 'kill $$worker $$beat 2>/dev/null' EXIT INT TERM; \
	  $(MANAGE) runserver $(HOST):$(PORT); \
	else \
	  $(MANAGE) runserver $(HOST):$(PORT); \
	fi

test: install messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run --settings=qac.settings.test
	$(BIN)/pytest $(PYTEST_ARGS)

install: system-deps $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements/dev.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

messages: $(STAMP)
	$(MANAGE) compilemessages --ignore=.venv -v 0

# Refresh the message catalogue after changing user-facing strings.
makemessages: $(STAMP)
	$(MANAGE) makemessages -l ru -l en --ignore=.venv --ignore=var --no-obsolete

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the locked dependency sets from requirements/*.in.
lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o base.txt base.in
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o dev.txt dev.in

worker: install
	$(BIN)/celery -A qac worker -Q default,documents -l info

beat: install
	mkdir -p var
	$(BIN)/celery -A qac beat -l info -s var/celerybeat-schedule

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
	find . -name '*.mo' -not -path './.venv/*' -delete
