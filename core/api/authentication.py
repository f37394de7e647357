"""Token authentication with one pre-built SQL statement per request.

DRF's `TokenAuthentication` answers with `Token.objects.select_related("user").get(key=…)`:
building that query through the ORM costs several times the query itself, and it runs on every
API call of every client that authenticates with a token (the recommendation API, the event
ingestion API). This class reads the same row with SQL built once from the models' own column
lists, and builds the `User` with `Model.from_db` (a fresh instance per request, as before).

Replaces: DRF's `rest_framework.authentication.TokenAuthentication.authenticate_credentials`.
Why: measured by `python -m benchmarks.auth_throttle` (docs/benchmarks-auth_throttle.md,
2026-12-03, 2-core VM, PostgreSQL): 390 µs of web-process CPU per call with DRF's, 86 µs with
this one (4.5×); on the whole request, the token and throttle work took the single-event API
from 4.56 + 1.67 ms to 1.90 + 0.96 ms of web + PostgreSQL CPU (docs/interactions.md § Performance).

Same contract as DRF's class: `Authorization: Token <key>`, "Invalid token." for an unknown key,
"User inactive or deleted." for an inactive user, the same `(user, token)` pair. The SQL path is
used where the driver returns Python values for every column (PostgreSQL); elsewhere (SQLite
returns datetimes as text, converted by Django's per-backend converters) the ORM path runs.
"""
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

_SQL: dict[str, tuple[str, list[str]]] = {}


def _statement(alias):
    """(SQL, user attnames) reading a token's creation time and its user's concrete fields."""
    cached = _SQL.get(alias)
    if cached is None:
        User = get_user_model()
        qn = connections[alias].ops.quote_name
        fields = list(User._meta.concrete_fields)
        cols = ", ".join(f"u.{qn(f.column)}" for f in fields)
        sql = (f"SELECT t.{qn('created')}, {cols} FROM {qn(Token._meta.db_table)} t "
               f"INNER JOIN {qn(User._meta.db_table)} u ON u.{qn(User._meta.pk.column)} = t.{qn('user_id')} "
               f"WHERE t.{qn('key')} = %s")
        cached = _SQL[alias] = (sql, [f.attname for f in fields])
    return cached


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        alias = router.db_for_read(Token)
        if connections[alias].vendor != "postgresql" or self.get_model() is not Token:
            return super().authenticate_credentials(key)
        if "\x00" in key:  # the database refuses NUL in a string: no token can contain one
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        sql, attnames = _statement(alias)
        with connections[alias].cursor() as cur:
            cur.execute(sql, [key])
            row = cur.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = get_user_model().from_db(alias, attnames, row[1:])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(alias, ["key", "user_id", "created"], [key, user.pk, row[0]])
        token.user = user
        return user, token
