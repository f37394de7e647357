"""Shared fixtures and the service-marker policy.

Tests marked `postgres`, `redis`, `worker` or `browser` need a real service. On a bare machine
they skip with the reason; with NETFLOOX_REQUIRE_SERVICES=1 (CI) an unreachable service fails
the test instead, so CI can never go green by skipping them.
"""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("NETFLOOX_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))
REQUIRE_SERVICES = os.environ.get("NETFLOOX_REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("NETFLOOX_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def _reachable(url, default_port):
    u = urlparse(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _missing_service(marker_name):
    if marker_name in ("postgres", "worker"):
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            return "the test database is not PostgreSQL (set DATABASE_URL=postgres://…)"
    if marker_name in ("redis", "worker"):
        if not _reachable(REDIS_URL, 6379):
            return f"Redis is not reachable at {REDIS_URL}"
    if marker_name == "browser":
        if not Path(CHROMIUM).exists():
            return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "the playwright package is not installed"
    return None


def pytest_runtest_setup(item):
    for name in ("postgres", "redis", "worker", "browser"):
        if item.get_closest_marker(name):
            reason = _missing_service(name)
            if reason:
                if REQUIRE_SERVICES:
                    pytest.fail(f"NETFLOOX_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
                pytest.skip(reason)
    if item.get_closest_marker("realdata") and not DATASETS.exists():
        pytest.skip(f"real datasets folder {DATASETS} is absent")


@pytest.fixture(scope="session", autouse=True)
def _live_server_static_through_whitenoise():
    """Serve /static/ on pytest-django's live server the way production does: through the app's
    WhiteNoise middleware (WHITENOISE_USE_FINDERS in the test settings), which answers HTTP Range
    requests. Django's StaticFilesHandler, which the live server puts in front otherwise, does not:
    the player's <video> was then seekable only as far as it had downloaded, and a test had to wait
    for the whole clip to stream on a busy machine. With Range it is seekable at `loadedmetadata`."""
    from django.contrib.staticfiles import handlers

    original = handlers.StaticFilesHandler

    class ThroughTheApplication(original):
        def _should_handle(self, path):
            return False

    handlers.StaticFilesHandler = ThroughTheApplication
    yield
    handlers.StaticFilesHandler = original


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttles, active-model pointers, analytics)."""
    from django.core.cache import cache

    from catalog.selectors import title_cache_evict
    from core.selectors import forget_active

    def clear():
        cache.clear()
        title_cache_evict()  # the per-process title cache: ids are reused between tests
        forget_active()  # the one-second memory of the active model versions

    clear()
    yield
    clear()


@pytest.fixture
def datasets_dir():
    return DATASETS


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def viewer(db):
    from accounts.services import viewer_create

    return viewer_create(username="viewer1", password="s3cret-Passw0rd", email="v1@example.com")


@pytest.fixture
def viewer_client(viewer, api_client):
    api_client.force_authenticate(viewer)
    return api_client


def _database_url():
    db = settings.DATABASES["default"]
    return (f"postgres://{db.get('USER') or 'postgres'}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}"
            f":{db.get('PORT') or 5432}/{db['NAME']}")


class RedisNamespace:
    """A namespace of the machine's Redis that belongs to one test: `url` and a unique key `prefix`
    (cache KEY_PREFIX, Celery's `global_keyprefix`). `cleanup()` deletes the keys under the prefix
    and nothing else: the Redis database may be shared with other runs, so it is never flushed."""

    def __init__(self, url):
        import redis

        self.url = url
        self.prefix = f"netfloox-test:{os.getpid()}:{uuid.uuid4().hex[:12]}:"
        self.client = redis.Redis.from_url(url)

    def keys(self):
        return list(self.client.scan_iter(match=f"{self.prefix}*", count=1000))

    def cleanup(self):
        for key in self.keys():
            self.client.delete(key)


@pytest.fixture
def redis_namespace():
    reason = _missing_service("redis")
    if reason:
        pytest.skip(reason)
    ns = RedisNamespace(REDIS_URL)
    yield ns
    ns.cleanup()


@pytest.fixture
def redis_url(redis_namespace):
    return redis_namespace.url


def _reset_celery_connections(app):
    """Drop cached broker connections so the next publish uses the current broker_url."""
    from kombu import pools

    pools.reset()  # closes AND forgets kombu's global connection/producer pools
    app._pool = None
    app.amqp._producer_pool = None


class WorkerProcess:
    """A real `celery worker` subprocess (solo pool, all queues) that can be stopped and restarted."""

    def __init__(self, *, env, log, name):
        self.env, self.log, self.name, self.proc = env, log, name, None

    def start(self):
        start_at = len(self.log.read_bytes()) if self.log.exists() else 0
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "netfloox", "worker", "-Q", "default,realtime,ml",
             "--pool", "solo", "--concurrency", "1", "--loglevel", "INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-n", f"{self.name}-{os.getpid()}-{time.time_ns()}@%h"],
            cwd=REPO, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 300  # a hang guard, not a speed check: loaded CI machines start slowly
        while time.time() < deadline:
            if b"ready." in self.log.read_bytes()[start_at:]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"celery worker did not start: {self.log.read_text()[-3000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def live_celery(*, broker_url, result_backend, log, name="test", key_prefix=""):
    """Point the in-process Celery app at `broker_url` (keys under `key_prefix`), run a worker process
    on the test database (PostgreSQL) with the same prefix, and restore the eager app afterwards.
    Yields the WorkerProcess."""
    from netfloox.celery import app

    keys = ("task_always_eager", "broker_url", "result_backend", "broker_transport_options",
            "result_backend_transport_options")
    old = {k: app.conf.get(k) for k in keys}
    def options(base):
        # The prefix is always the one given here, never the one the settings read from
        # REDIS_KEY_PREFIX (CI sets it): publisher and worker must agree on where the queues are.
        opts = {k: v for k, v in (base or {}).items() if k != "global_keyprefix"}
        return {**opts, "global_keyprefix": key_prefix} if key_prefix else opts

    app.conf.update(task_always_eager=False, broker_url=broker_url, result_backend=result_backend,
                    broker_transport_options=options(old["broker_transport_options"]),
                    result_backend_transport_options=options(old["result_backend_transport_options"]))
    _reset_celery_connections(app)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="netfloox.settings.test", CELERY_TASK_ALWAYS_EAGER="0",
               DATABASE_URL=_database_url(), REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url,
               CELERY_RESULT_BACKEND=result_backend or "", REDIS_KEY_PREFIX=key_prefix, ML_ARTIFACTS_DIR=str(settings.ML_ARTIFACTS_DIR),
               PYTHONUNBUFFERED="1")
    worker = WorkerProcess(env=env, log=log, name=name)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        app.conf.update(**old)
        _reset_celery_connections(app)


@pytest.fixture
def celery_live(transactional_db, redis_namespace, tmp_path):
    """A real worker process on the machine's Redis (in this test's own key namespace) and the
    PostgreSQL test database."""
    with live_celery(broker_url=redis_namespace.url, result_backend=redis_namespace.url,
                     log=tmp_path / "worker.log", key_prefix=redis_namespace.prefix) as worker:
        yield worker
