"""Sign-in lockout (django-axes): per account name and per address, on the site's, the admin's and
the API's sign-in, telling nobody which accounts exist."""
import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from core.http import client_ip

pytestmark = pytest.mark.django_db
PASSWORD = "the-Right-passw0rd"
SITE, ADMIN = "/accounts/login/", "/admin/login/"


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user("member", password=PASSWORD, is_staff=True)


def _post(client, url, username, password, ip="10.0.0.1"):
    return client.post(url, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=ip)


def _signed_in(client):
    return "_auth_user_id" in client.session


def _fail(client, url, username, times, ip="10.0.0.1"):
    for _ in range(times):
        r = _post(client, url, username, "wrong-password", ip)
        assert r.status_code == 200  # the form again, with its error
        assert b"correct username and password" in r.content


@pytest.mark.parametrize("url", [SITE, ADMIN], ids=["site", "admin"])
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, member, url):
    _fail(client, url, "member", settings.AXES_FAILURE_LIMIT - 1)
    r = _post(client, url, "member", "wrong-password")  # the limit-th failure
    assert r.status_code == 429
    r = _post(client, url, "member", PASSWORD)
    assert r.status_code == 429 and not _signed_in(client)
    assert "Too many failed sign-in attempts" in r.content.decode()


@pytest.mark.parametrize("url", [SITE, ADMIN], ids=["site", "admin"])
def test_the_lockout_tells_nobody_whether_the_account_exists(member, url):
    pages = {}
    for ip, name in (("10.0.0.1", "member"), ("10.0.0.2", "nobody-has-this-name")):
        c = Client()
        _fail(c, url, name, settings.AXES_FAILURE_LIMIT - 1, ip=ip)
        assert _post(c, url, name, "wrong-password", ip).status_code == 429
        r = _post(c, url, name, PASSWORD, ip)
        assert r.status_code == 429
        pages[name] = re.sub(r'(csrf[^"]*" (?:content|value)=)"[^"]*"', r'\1', r.content.decode()).replace(name, "NAME")
    assert "NAME" not in pages["member"]  # the page does not even repeat the name typed
    assert pages["member"] == pages["nobody-has-this-name"]


def test_failures_from_one_address_over_many_names_lock_that_address(member):
    c = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post(c, SITE, f"guess-{i}", "wrong-password", ip="10.9.9.9")
    assert _post(c, SITE, "member", PASSWORD, ip="10.9.9.9").status_code == 429
    assert not _signed_in(c)


def test_failures_from_many_addresses_lock_the_name(client, member):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post(client, SITE, "member", "wrong-password", ip=f"10.1.0.{i + 1}")
    assert _post(client, SITE, "member", PASSWORD, ip="10.2.0.1").status_code == 429


def test_another_account_from_another_address_is_not_locked(member):
    get_user_model().objects.create_user("other", password=PASSWORD)
    _fail(Client(), SITE, "member", settings.AXES_FAILURE_LIMIT - 1, ip="10.0.0.1")
    assert _post(Client(), SITE, "member", "wrong-password", ip="10.0.0.1").status_code == 429
    c = Client()
    r = _post(c, SITE, "other", PASSWORD, ip="10.0.0.2")
    assert r.status_code == 302 and _signed_in(c)


def test_after_the_cool_off_the_right_password_signs_in_again(client, member):
    _fail(client, SITE, "member", settings.AXES_FAILURE_LIMIT - 1)
    assert _post(client, SITE, "member", "wrong-password").status_code == 429
    assert _post(client, SITE, "member", PASSWORD).status_code == 429
    # The cool-off passes (moved in the data, not waited for).
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(hours=settings.AXES_COOLOFF_TIME,
                                                                                       minutes=1))
    r = _post(client, SITE, "member", PASSWORD)
    assert r.status_code == 302 and _signed_in(client)


def test_a_success_before_the_limit_resets_the_count(client, member):
    _fail(client, SITE, "member", settings.AXES_FAILURE_LIMIT - 1)
    assert _post(client, SITE, "member", PASSWORD).status_code == 302
    client.logout()
    _fail(client, SITE, "member", settings.AXES_FAILURE_LIMIT - 1)
    assert _post(client, SITE, "member", PASSWORD).status_code == 302


def test_the_api_token_endpoint_locks_too_and_answers_json(api_client, member):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = api_client.post("/api/auth/token/", {"username": "member", "password": "nope"}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "invalid_credentials"
    assert api_client.post("/api/auth/token/", {"username": "member", "password": "nope"},
                           format="json").status_code == 429
    r = api_client.post("/api/auth/token/", {"username": "member", "password": PASSWORD}, format="json")
    assert r.status_code == 429 and r.json()["code"] == "locked_out" and "token" not in r.json()


def test_the_lockout_page_is_in_the_viewers_language(client, member):
    _fail(client, SITE, "member", settings.AXES_FAILURE_LIMIT - 1)
    assert _post(client, SITE, "member", "wrong-password").status_code == 429
    r = client.post(SITE, {"username": "member", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="fr",
                    REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429 and "Trop de tentatives" in r.content.decode()


def test_the_client_address_behind_proxies(rf, settings):
    req = rf.get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.NETFLOOX_PROXY_COUNT = 0
    assert client_ip(req) == "10.0.0.254"  # no proxy: what a client writes is ignored
    settings.NETFLOOX_PROXY_COUNT = 1
    assert client_ip(req) == "203.0.113.7"  # the address our proxy appended, not the spoofed one
    settings.NETFLOOX_PROXY_COUNT = 2
    assert client_ip(req) == "6.6.6.6"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.254")) == "10.0.0.254"
