"""The development server on PostgreSQL holds no connection it cannot reuse.

`manage.py runserver` answers every request in a new thread. With persistent connections each
thread's connection stayed open after the thread ended: 87 idle connections after a page or two
of browsing, then "too many clients" on the next POST. The settings turn persistent connections
off under the threaded development server and keep them for gunicorn and Celery.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import _database_url

REPO = Path(__file__).resolve().parents[2]
APP_NAME = "netfloox-runserver-test"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runserver_connections():
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        return cur.fetchone()[0]


def _wait_for(predicate, what, guard_s=120):
    """Wait for an event; the guard only stops a hang (the bug shows as a wait that never ends)."""
    deadline = time.monotonic() + guard_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def test_the_settings_turn_persistent_connections_off_under_the_threaded_dev_server():
    code = ("import sys; sys.argv = ['manage.py'] + sys.argv[1:]; from netfloox.settings import base; "
            "print(base.DATABASES['default']['CONN_MAX_AGE'])")
    env = dict(os.environ, DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    env.pop("DATABASE_CONN_MAX_AGE", None)
    out = {}
    for argv in (["runserver"], ["runserver", "--nothreading"], ["migrate"]):
        r = subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        out[" ".join(argv)] = int(r.stdout.strip())
    assert out == {"runserver": 0, "runserver --nothreading": 60, "migrate": 60}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_browsing_the_development_server_leaves_no_idle_connection():
    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="netfloox.settings.test",
               DATABASE_URL=f"{_database_url()}?application_name={APP_NAME}", PYTHONUNBUFFERED="1")
    env.pop("DATABASE_CONN_MAX_AGE", None)
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def answers():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status == 200
            except OSError:
                return False

        _wait_for(answers, "the development server answers /healthz")
        for _ in range(30):  # each request is a new thread of the server, each opens a connection
            assert urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).status == 200
        # Each request closes its connection when it finishes; before the fix all 30 stayed open.
        _wait_for(lambda: _runserver_connections() == 0, "every request's connection is closed")
    finally:
        server.terminate()
        server.wait(timeout=60)
