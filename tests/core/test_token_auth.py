"""Token authentication (core/api/authentication.py): DRF's contract, one SQL statement on PostgreSQL."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import token_get_or_create
from core.api.authentication import TokenAuthentication


def _client(key):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


@pytest.mark.django_db
def test_a_valid_token_authenticates_its_user_with_every_field(django_user_model):
    u = django_user_model.objects.create_user("tok", email="tok@example.org", password="x-long-password-1",
                                              first_name="Ana")
    key = token_get_or_create(user=u)
    user, token = TokenAuthentication().authenticate_credentials(key)
    assert (user.pk, user.username, user.email, user.first_name, user.is_active) == (u.pk, "tok", "tok@example.org",
                                                                                      "Ana", True)
    assert user.date_joined == u.date_joined and user.password == u.password
    assert token.key == key and token.user is user and token.user_id == u.pk
    assert _client(key).get("/api/me/history/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["0" * 40, "not-a-token", "a\x00b"])
def test_an_unknown_token_is_a_json_401(key):
    r = _client(key).get("/api/me/history/")
    assert r.status_code == 401 and "Invalid token." in r.json()["detail"]


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(django_user_model):
    u = django_user_model.objects.create_user("gone", password="x-long-password-1")
    key = token_get_or_create(user=u)
    u.is_active = False
    u.save(update_fields=["is_active"])
    r = _client(key).get("/api/me/history/")
    assert r.status_code == 401 and "User inactive or deleted." in r.json()["detail"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_it_is_one_query(django_user_model, django_assert_num_queries):
    assert connection.vendor == "postgresql"
    u = django_user_model.objects.create_user("one-query", password="x-long-password-1")
    key = token_get_or_create(user=u)
    with django_assert_num_queries(1):
        TokenAuthentication().authenticate_credentials(key)
