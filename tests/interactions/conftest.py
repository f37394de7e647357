"""Fixtures of the interactions tests: a small catalog, viewers, a service token, a private broker."""
import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from tests.conftest import live_celery


def ev(title, kind="play", **extra):
    """One raw event item as a client would post it."""
    title_id = title if isinstance(title, int) else title.id
    return {"event_id": str(uuid.uuid4()), "title_id": title_id, "kind": kind, **extra}


@pytest.fixture
def titles(db):
    from catalog.models import Title

    return [Title.objects.create(primary_title=f"Film {i}", start_year=2000 + i, netflix_id=1000 + i)
            for i in range(5)]


@pytest.fixture
def other_viewer(db):
    from accounts.services import viewer_create

    return viewer_create(username="viewer2", password="s3cret-Passw0rd", email="v2@example.com")


@pytest.fixture
def service_client(db):
    from rest_framework.test import APIClient

    from interactions.services.tokens import service_token_create

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {service_token_create(name='svc-ingest')}")
    return client


@pytest.fixture
def token_client(viewer):
    """The viewer, authenticated by token as API clients are (source `api`)."""
    from rest_framework.test import APIClient

    from accounts.services import token_get_or_create

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=viewer)}")
    return client


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on a free port: the broker the fault tests kill and restart."""

    def __init__(self, log_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.log_path = log_path

    def start(self):
        binary = shutil.which("redis-server")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited: {open(self.log_path).read()[-2000:]}")
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def private_broker(transactional_db, tmp_path):
    """Like tests/conftest.py `celery_live`, but the broker is a redis-server of our own (so it can be
    killed without touching the machine's Redis), and the worker can be stopped and restarted.

    Yields (broker, worker). The in-process Celery app publishes to the private broker.
    """
    if not shutil.which("redis-server"):
        reason = "redis-server is not installed (the fault tests start their own broker)"
        if os.environ.get("NETFLOOX_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    broker = RedisServer(tmp_path / "redis.log")
    broker.start()
    try:
        with live_celery(broker_url=broker.url, result_backend=None, log=tmp_path / "worker.log",
                         name="fault") as worker:
            yield broker, worker
    finally:
        broker.kill()
