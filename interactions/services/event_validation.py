"""Checks a batch of raw event items before anything is stored: fields first, then references.

`_validate_fields` turns each item into a `_Row` or names its bad fields (no database access;
posting for another viewer without the right raises PermissionDenied first); `_reference_errors`
adds the items whose title or viewer does not exist (two indexed queries); `_raise_invalid`
raises the all-or-nothing ValidationFailed, ``errors={index: {field: [message]}}``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import Title
from core.errors import PermissionDenied, ValidationFailed
from interactions import scoring
from interactions.models import EventKind

User = get_user_model()

KINDS = tuple(EventKind.values)
CLIENT_CLOCK_SKEW = dt.timedelta(hours=24)  # client_ts later than now + this is refused
CLIENT_TS_MIN = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
VALUE_MAX = 1e9  # watch position / progress upper bound (seconds or a fraction: both far below)
ID_MAX = {"user_id": 2**31 - 1, "title_id": 2**63 - 1}  # auth_user.id is int4, catalog_title.id int8
EVENT_ID_MAX_LEN = 64  # longest textual UUID form accepted ("urn:uuid:{…}")


@dataclasses.dataclass
class _Row:
    index: int
    event_id: uuid.UUID
    user_id: int
    title_id: int
    kind: str
    value: float | None
    client_ts: dt.datetime | None


def _as_int(raw, field):
    """A positive id (int, or a string of ASCII digits) within the column's range, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        v = raw
    elif isinstance(raw, str) and 0 < len(raw) <= 20 and raw.isascii() and raw.isdigit():
        v = int(raw)
    else:
        return None
    return v if 1 <= v <= ID_MAX[field] else None


def _as_uuid(raw):
    if isinstance(raw, uuid.UUID):
        return raw
    if not isinstance(raw, str) or len(raw) > EVENT_ID_MAX_LEN:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _as_number(raw):
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    try:
        v = float(raw)
    except OverflowError:  # a JSON integer with hundreds of digits
        return None
    return v if math.isfinite(v) else None


def _as_datetime(raw):
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str) and len(raw) <= 64:
        try:
            value = parse_datetime(raw.strip())
        except ValueError:  # well-formed but impossible, e.g. month 13
            return None
        if value is None:
            return None
    else:
        return None
    try:
        if timezone.is_naive(value):
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # year 1 at +14:00 …
        return None


def _clean(index, item, *, actor_id, now):
    """(row or None, {field: [messages]}, explicit_user_id or None) for one raw item."""
    errors: dict[str, list[str]] = {}
    if not isinstance(item, dict):
        return None, {"non_field_errors": ["Expected an event object."]}, None

    raw = item.get("event_id")
    event_id = None
    if raw is None:
        errors["event_id"] = ["This field is required."]
    else:
        event_id = _as_uuid(raw)
        if event_id is None:
            errors["event_id"] = ["Must be a valid UUID."]

    raw = item.get("title_id")
    title_id = None
    if raw is None:
        errors["title_id"] = ["This field is required."]
    else:
        title_id = _as_int(raw, "title_id")
        if title_id is None:
            errors["title_id"] = ["Must be a positive integer id."]

    kind = item.get("kind")
    if kind is None:
        errors["kind"] = ["This field is required."]
    elif not isinstance(kind, str) or kind not in KINDS:
        shown = repr(kind)[:40] if isinstance(kind, str) else type(kind).__name__
        errors["kind"] = [f"{shown} is not a valid kind; expected one of {', '.join(KINDS)}."]
        kind = None

    raw = item.get("value")
    value = None
    if raw is not None:
        value = _as_number(raw)
        if value is None:
            errors["value"] = ["Must be a finite number."]
        elif kind == EventKind.RATING:
            if not (scoring.RATING_MIN <= value <= scoring.RATING_MAX) or value * 2 != int(value * 2):
                errors["value"] = [f"A rating must be between {scoring.RATING_MIN} and {scoring.RATING_MAX} "
                                   "in steps of 0.5."]
        elif not (0 <= value <= VALUE_MAX):
            errors["value"] = [f"A watch position/progress must be between 0 and {VALUE_MAX:.0f}."]
    elif kind == EventKind.RATING:
        errors["value"] = ["A rating event needs a value (0.5 to 5 stars)."]

    raw = item.get("client_ts")
    client_ts = None
    if raw is not None:
        client_ts = _as_datetime(raw)
        if client_ts is None:
            errors["client_ts"] = ["Must be an ISO 8601 date-time, e.g. 2024-05-01T20:15:00Z."]
        elif client_ts > now + CLIENT_CLOCK_SKEW:
            errors["client_ts"] = ["Is in the future (more than 24 hours ahead of the server clock)."]
        elif client_ts < CLIENT_TS_MIN:
            errors["client_ts"] = ["Is before 1900."]

    raw = item.get("user_id")
    explicit = None
    if raw is None:
        user_id = actor_id
        if user_id is None:
            errors["user_id"] = ["This field is required when no viewer is authenticated."]
    else:
        user_id = _as_int(raw, "user_id")
        if user_id is None:
            errors["user_id"] = ["Must be a positive integer id."]
        elif user_id != actor_id:
            explicit = user_id

    if errors:
        return None, errors, explicit
    return _Row(index, event_id, user_id, title_id, kind, value, client_ts), errors, explicit


def _validate_fields(events, *, actor_id, allow_any_user, now):
    """(rows, errors) from the raw items — no database access. Raises PermissionDenied."""
    rows, errors, foreign = [], {}, {}
    for i, item in enumerate(events):
        row, item_errors, explicit = _clean(i, item, actor_id=actor_id, now=now)
        if item_errors:
            errors[i] = item_errors
        if explicit is not None:
            foreign[i] = explicit
        if row is not None:
            rows.append(row)
    # Permission before existence: a viewer learns nothing about which other accounts exist.
    if foreign and not allow_any_user:
        raise PermissionDenied(
            "You may only post events for yourself; posting for another viewer needs a service token.",
            extra={"errors": {i: {"user_id": ["Not allowed to post events for another viewer."]}
                              for i in sorted(foreign)}})
    return rows, errors


def _reference_errors(rows, *, actor_id, errors):
    """Add to `errors` the items whose title or viewer does not exist (two indexed queries)."""
    title_ids = {r.title_id for r in rows}
    if title_ids:
        known = set(Title.objects.filter(id__in=title_ids).order_by().values_list("id", flat=True))
        for r in rows:
            if r.title_id not in known:
                errors.setdefault(r.index, {})["title_id"] = [f"No title with id {r.title_id}."]
    user_ids = {r.user_id for r in rows if r.user_id != actor_id}
    if user_ids:
        known = set(User.objects.filter(id__in=user_ids).order_by().values_list("id", flat=True))
        for r in rows:
            if r.user_id != actor_id and r.user_id not in known:
                errors.setdefault(r.index, {})["user_id"] = [f"No viewer with id {r.user_id}."]
    return errors


def _raise_invalid(errors, total):
    raise ValidationFailed(
        f"{len(errors)} of {total} event(s) are invalid; nothing was stored (a batch is all-or-nothing).",
        errors=dict(sorted(errors.items())))
