"""Fixed-window rate limits: one atomic increment per request, JSON 429 with Retry-After."""
import pytest
from rest_framework.settings import api_settings

from core.api.throttling import WindowAnonRateThrottle, WindowUserRateThrottle


@pytest.fixture
def user_rate(monkeypatch):
    def set_rate(rate):
        monkeypatch.setattr(WindowUserRateThrottle, "THROTTLE_RATES",
                            {**api_settings.DEFAULT_THROTTLE_RATES, "user": rate})
    return set_rate


@pytest.mark.django_db
def test_user_limit_gives_json_429_with_retry_after_then_next_window_opens(user_rate, api_client, django_user_model,
                                                                         monkeypatch):
    user_rate("3/minute")
    clock = [600.0]  # start of a window
    monkeypatch.setattr(WindowUserRateThrottle, "timer", lambda self: clock[0])
    u = django_user_model.objects.create_user("rate", password="x-long-password-1")
    api_client.force_authenticate(u)
    codes = [api_client.get("/api/me/history/").status_code for _ in range(3)]
    clock[0] = 645.0
    r = api_client.get("/api/me/history/")
    assert codes == [200, 200, 200] and r.status_code == 429
    assert r.json()["code"] == "throttled"
    assert int(r["Retry-After"]) == 15  # the window ends at 660 s
    clock[0] = 661.0
    assert api_client.get("/api/me/history/").status_code == 200


@pytest.mark.django_db
def test_limits_are_per_user(user_rate, api_client, django_user_model):
    user_rate("2/minute")
    a = django_user_model.objects.create_user("rate-a", password="x-long-password-1")
    b = django_user_model.objects.create_user("rate-b", password="x-long-password-1")
    api_client.force_authenticate(a)
    assert [api_client.get("/api/me/history/").status_code for _ in range(3)] == [200, 200, 429]
    api_client.force_authenticate(b)
    assert api_client.get("/api/me/history/").status_code == 200


@pytest.mark.django_db
def test_cache_unavailable_does_not_lock_clients_out(user_rate, api_client, django_user_model, monkeypatch):
    """django-redis with IGNORE_EXCEPTIONS answers None when Redis is down: requests go through."""
    user_rate("1/minute")
    monkeypatch.setattr(WindowUserRateThrottle, "cache", type("DownCache", (), {
        "incr": lambda self, key: None, "add": lambda self, *a: None})())
    u = django_user_model.objects.create_user("rate-down", password="x-long-password-1")
    api_client.force_authenticate(u)
    assert [api_client.get("/api/me/history/").status_code for _ in range(3)] == [200, 200, 200]


def test_anonymous_throttle_keys_by_address_and_ignores_users():
    t = WindowAnonRateThrottle()
    req = type("R", (), {"user": type("U", (), {"is_authenticated": True})(), "META": {}})()
    assert t.get_cache_key(req, None) is None


@pytest.mark.redis
@pytest.mark.django_db
def test_on_redis_one_pipelined_counter_limits_and_expires(user_rate, api_client, django_user_model,
                                                           redis_namespace, settings, monkeypatch):
    """The django-redis path: INCR + EXPIRE NX in one round trip, same limits and 429 contract."""
    import redis
    from django.core.cache import caches

    from core.api.throttling import FixedWindowMixin

    monkeypatch.setattr(FixedWindowMixin, "_incr_generic", lambda *a: pytest.fail("the generic path ran on Redis"))

    prefix = f"{redis_namespace.prefix}throttle-test"
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_namespace.url,
                                   "KEY_PREFIX": prefix}}
    cache = caches["default"]
    user_rate("2/minute")
    u = django_user_model.objects.create_user("rate-redis", password="x-long-password-1")
    api_client.force_authenticate(u)
    try:
        assert [api_client.get("/api/me/history/").status_code for _ in range(3)] == [200, 200, 429]
        raw = redis.Redis.from_url(redis_namespace.url)
        keys = list(raw.scan_iter(match=f"{prefix}:*throttle_user*"))
        assert len(keys) == 1 and int(raw.get(keys[0])) == 3
        assert 0 < raw.ttl(keys[0]) <= 61  # the window's key expires with the window
    finally:
        cache.delete_pattern("*")  # this test's keys only (its KEY_PREFIX); never FLUSHDB a shared db


@pytest.mark.django_db
def test_on_redis_down_requests_go_through(user_rate, api_client, django_user_model, settings):
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2}}}
    user_rate("1/minute")
    u = django_user_model.objects.create_user("rate-redis-down", password="x-long-password-1")
    api_client.force_authenticate(u)
    assert [api_client.get("/api/me/history/").status_code for _ in range(3)] == [200, 200, 200]
