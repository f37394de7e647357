"""`datasets.services.importers.sql.insert_rows`: what the importers write is what is stored.

On PostgreSQL a plain insert goes through COPY's text format, which has its own escaping (tab,
newline, backslash, NULL as \\N): values that look like its syntax must arrive unchanged."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from catalog.models import Credit, Person, Title
from datasets.services.importers.sql import column_defaults, insert_rows

pytestmark = pytest.mark.django_db

TRICKY = ["tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "", "Amélie — ½ “quotes” 'single'",
          "trailing backslash\\", "é\t\\n"]


FIELDS = ["primary_title", "original_title", "start_year", "runtime_minutes", "is_adult", "imdb_rating",
          "tmdb_popularity", "release_date", "netflix_id", "title_type", "search_title", "match_key", "created_at",
          "updated_at"]


def _insert_titles(rows):
    """Rows of FIELDS, completed with every other column's default (as the title importer does)."""
    cols = [f.attname for f in Title._meta.concrete_fields if not f.primary_key]
    defaults = column_defaults(Title)
    insert_rows(Title, cols, [tuple({**defaults, **dict(zip(FIELDS, r, strict=True))}[c] for c in cols) for r in rows])


def test_plain_inserts_store_every_value_unchanged():
    now = dt.datetime(2026, 12, 5, 19, 55, 1, 123456, tzinfo=dt.UTC)
    rows = []
    for i, text in enumerate(TRICKY):
        rows.append((text or "x", text, 1990 + i if i % 3 else None, None if i % 2 else 100 + i, bool(i % 2),
                     Decimal("7.5") if i % 2 else None, 0.1 * i if i % 4 else None,
                     dt.date(2001, 2, 3) if i % 2 else None, 5000 + i, "movie", f"s{i}", f"k{i}", now, now))
    _insert_titles(rows)
    stored = {t.netflix_id: t for t in Title.objects.filter(netflix_id__gte=5000)}
    assert len(stored) == len(TRICKY)
    for i, text in enumerate(TRICKY):
        t = stored[5000 + i]
        assert (t.primary_title, t.original_title) == (text or "x", text)
        assert t.start_year == (1990 + i if i % 3 else None)
        assert t.runtime_minutes == (None if i % 2 else 100 + i)
        assert t.is_adult is bool(i % 2)
        assert t.imdb_rating == (Decimal("7.5") if i % 2 else None)
        assert t.tmdb_popularity == (pytest.approx(0.1 * i) if i % 4 else None)
        assert t.release_date == (dt.date(2001, 2, 3) if i % 2 else None)
        assert t.created_at == now


def test_json_values_and_a_taken_key_fail_as_an_insert_would():
    t = Title.objects.create(primary_title="A film", netflix_id=77)
    p = Person.objects.create(name="Someone")
    insert_rows(Credit, ["title_id", "person_id", "category", "ordering", "job", "characters"],
                [(t.id, p.id, "actor", 1, "tab\tjob", ["Tab\there", "quote \" and \\"])])
    c = Credit.objects.get(title=t, person=p)
    assert (c.job, c.characters) == ("tab\tjob", ["Tab\there", "quote \" and \\"])
    before = Title.objects.count()
    rows = [("Fine", "", None, None, False, None, None, None, 78, "movie", "f", "f", t.created_at, t.created_at),
            ("Other", "", None, None, False, None, None, None, 77, "movie", "o", "o", t.created_at, t.created_at)]
    with pytest.raises(Exception) as err, transaction.atomic():  # noqa: B017 - the driver's own error
        _insert_titles(rows)
    assert "netflix_id" in str(err.value) or "UNIQUE" in str(err.value).upper()
    assert Title.objects.count() == before  # nothing of the failed statement is stored
