# Netfloox — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: run test setup venv migrate demo-data train messages messages-update bench demo lint clean worker beat walkthrough

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

messages: venv
	$(PY) manage.py compilemessages --ignore=$(VENV) -v0

# After changing strings: refresh locale/fr/LC_MESSAGES/django.po (locations by file only, so a
# moved line does not rewrite the file), then fill every new msgstr and remove every "fuzzy".
messages-update: venv
	$(PY) manage.py makemessages -l fr --ignore=$(VENV) --ignore=var --ignore=staticfiles --no-obsolete --add-location=file -v0

migrate: venv
	$(PY) manage.py migrate --noinput -v1

# Deterministic generated demo catalog + viewers (skipped when the catalog already has titles).
demo-data: migrate
	$(PY) manage.py seed_demo --if-empty

# Train whatever models exist so far (recommender, popularity) on the current database.
train: demo-data
	$(PY) manage.py train_all --if-missing

setup: messages train

run: setup
	@echo "Netfloox on http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) -m benchmarks.run $(BENCH_ARGS)

demo: setup
	$(PY) manage.py run_demo

lint: venv
	$(PY) -m ruff check .

worker: venv
	$(VENV)/bin/celery -A netfloox worker -Q default,realtime,ml --loglevel INFO

beat: venv
	$(VENV)/bin/celery -A netfloox beat --loglevel INFO

clean:
	rm -rf var staticfiles .pytest_cache

# Rebuild docs/walkthrough.gif and .webm from the browser journeys (Chromium + ffmpeg; ~1 min).
walkthrough: messages
	$(PY) docs/tools/make_walkthrough.py $(WALKTHROUGH_ARGS)
