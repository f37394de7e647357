"""The ground everything stands on: settings shapes, auth API, JSON errors, docs pages."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]


def _run_manage(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)  # a hang guard: a loaded CI machine migrates slowly


def test_production_settings_refuse_to_start_without_secret_and_hosts():
    r = _run_manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "netfloox.settings.production"})
    assert r.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in r.stderr
    r = _run_manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "netfloox.settings.production",
                                        "DJANGO_SECRET_KEY": "x" * 60 + "yz0123456789"})
    assert r.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in r.stderr


def test_production_settings_pass_check_deploy_with_no_warning():
    r = _run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra={
        "DJANGO_SETTINGS_MODULE": "netfloox.settings.production",
        "DJANGO_SECRET_KEY": "k9$Qz!7vT2@pLm4#xW8&nB6^rY1*hJ3(eU5)cF0_aS-dG+iO=lK;wE:qR<tZ>yX",
        "DJANGO_ALLOWED_HOSTS": "netfloox.example.com",
    })
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_embedded_default_is_sqlite_eager_locmem(tmp_path):
    code = ("import django,os;os.environ['DJANGO_SETTINGS_MODULE']='netfloox.settings.base';django.setup();"
            "from django.conf import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'])")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env["NETFLOOX_VAR_DIR"] = str(tmp_path / "var")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True).stdout
    assert out.split() == ["django.db.backends.sqlite3", "True", "django.core.cache.backends.locmem.LocMemCache"]


def test_embedded_default_migrates_on_a_fresh_clone_without_var(tmp_path):
    """`make run` on a fresh clone: var/ is git-ignored, so the settings must create it for SQLite."""
    var = tmp_path / "fresh-clone-var"
    r = _run_manage("migrate", "--noinput", "-v0", env_extra={"NETFLOOX_VAR_DIR": str(var)})
    assert r.returncode == 0, r.stderr[-2000:]
    assert (var / "db.sqlite3").stat().st_size > 0


def test_env_switches_to_postgres_and_redis():
    code = ("import django,os;os.environ['DJANGO_SETTINGS_MODULE']='netfloox.settings.base';django.setup();"
            "from django.conf import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL,"
            " s.CACHES['default']['BACKEND'])")
    env = dict(os.environ, DATABASE_URL="postgres://u@db.example:5432/nf", REDIS_URL="redis://cache.example:6379/0")
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True).stdout
    assert out.split() == ["django.db.backends.postgresql", "False", "redis://cache.example:6379/0",
                           "django_redis.cache.RedisCache"]


@pytest.mark.django_db
def test_signup_then_token_then_authenticated_call(api_client):
    r = api_client.post("/api/auth/signup/", {"username": "ana", "password": "long-Enough-pw1", "email": "a@x.io"},
                        format="json")
    assert r.status_code == 201, r.content
    assert r.json()["username"] == "ana" and r.json()["token"]
    r = api_client.post("/api/auth/token/", {"username": "ana", "password": "long-Enough-pw1"}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="ana")
    assert user.profile.language == "en"
    assert user.check_password("long-Enough-pw1")


@pytest.mark.django_db
def test_signup_errors_name_the_field(api_client):
    api_client.post("/api/auth/signup/", {"username": "bob", "password": "long-Enough-pw1"}, format="json")
    r = api_client.post("/api/auth/signup/", {"username": "BOB", "password": "123"}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert set(body["errors"]) == {"username", "password"}
    r = api_client.post("/api/auth/signup/", {"password": "long-Enough-pw1"}, format="json")
    assert r.status_code == 400 and "username" in r.json()["errors"]


@pytest.mark.django_db
def test_bad_credentials_give_json_400(api_client):
    r = api_client.post("/api/auth/token/", {"username": "nobody", "password": "nope"}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
def test_api_404_and_405_are_json(client):
    r = client.get("/api/does-not-exist/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.get("/api/titles/999999/")
    assert r.status_code == 404 and "does not exist" in r.json()["detail"]
    r = client.delete("/api/auth/token/")
    assert r.status_code == 405 and r.json()["detail"]


def _operations_needing_a_viewer():
    """(method, path) of every operation the OpenAPI schema says needs credentials."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            security = op.get("security", schema.get("security", []))
            if security and {} not in security:
                ops.append((method, path))
    return ops


@pytest.mark.django_db
def test_without_credentials_the_api_answers_401_with_www_authenticate(client):
    import re

    ops = _operations_needing_a_viewer()
    assert len(ops) > 10 and ("get", "/api/me/recommendations/") in ops
    wrong = []
    for method, path in ops:
        url = re.sub(r"\{[^}]+\}", "1", path)
        r = getattr(client, method)(url, content_type="application/json")
        if r.status_code != 401 or r.headers.get("WWW-Authenticate") != "Token" or "detail" not in r.json():
            wrong.append((method, path, r.status_code, r.headers.get("WWW-Authenticate")))
    assert wrong == []


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_served_offline(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    assert b"openapi: 3" in r.content
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html.replace("https://swagger.io", "")
    r = client.get(reverse("admin:login"))
    assert r.status_code == 200


@pytest.mark.django_db
def test_anonymous_throttling_returns_json_429(client, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    from core.api.throttling import WindowAnonRateThrottle as AnonRateThrottle

    cache.clear()
    old = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    try:
        codes = [client.get("/api/genres/").status_code for _ in range(4)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = old
        cache.clear()
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


@pytest.mark.django_db
def test_lists_are_paginated(client):
    from catalog.models import Title

    for i in range(25):
        Title.objects.create(primary_title=f"T{i}", start_year=2000)
    body = client.get("/api/titles/").json()
    assert body["count"] == 25 and len(body["results"]) == 20 and body["next"]
    assert len(client.get("/api/titles/?page_size=200").json()["results"]) == 25
    for bad in ("500", "0", "ten", ""):  # outside the schema's 1–200: refused, not silently changed
        r = client.get(f"/api/titles/?page_size={bad}")
        assert r.status_code == 400 and "page_size" in r.json()["errors"], bad


@pytest.mark.django_db
def test_signup_rejects_usernames_django_would_reject(api_client):
    r = api_client.post("/api/auth/signup/", {"username": "bad name!", "password": "long-Enough-pw1"}, format="json")
    assert r.status_code == 400 and "username" in r.json()["errors"]


@pytest.mark.django_db
def test_nul_bytes_in_urls_are_a_json_400_not_a_database_error(client):
    for url in ("/api/people/?q=a%00b", "/api/titles/?q=%00", "/api/search/autocomplete/?q=ab%00"):
        r = client.get(url)
        assert r.status_code == 400 and r.json()["code"] == "invalid", url


@pytest.mark.django_db
def test_page_beyond_the_end_is_a_json_404(client):
    r = client.get("/api/people/?page=99999")
    assert r.status_code == 404 and r.json()["detail"]
    r = client.get("/api/people/?page=99999999999999999999")  # not a page number the schema allows
    assert r.status_code == 400 and "page" in r.json()["errors"]


@pytest.mark.django_db
def test_a_rating_far_out_of_range_is_a_400_not_an_overflow(api_client, django_user_model):
    """Found by the schema fuzz: 1.8e308 stars overflowed the half-star check (a 500)."""
    from accounts.services import token_get_or_create
    from catalog.models import Title

    user = django_user_model.objects.create_user("stars", password="x-Passw0rd!")
    title = Title.objects.create(primary_title="Rated")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=user)}")
    for stars in (1.7976931348623157e308, -1e300, 0.7769678, 5.5):
        r = api_client.put(f"/api/me/ratings/{title.id}/", {"stars": stars}, format="json")
        assert r.status_code == 400 and "stars" in r.json()["errors"], stars
    r = api_client.put(f"/api/me/ratings/{title.id}/", {"stars": 3.5}, format="json")
    assert r.status_code == 200 and r.json()["stars"] == 3.5
