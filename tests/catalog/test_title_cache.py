"""The per-process title cache behind recommendation rows: fresh after writes, bounded in time."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.models import Genre, Title


@pytest.fixture
def two(db):
    g = Genre.objects.create(name="Drama", slug="drama")
    a = Title.objects.create(primary_title="A")
    b = Title.objects.create(primary_title="B")
    a.genres.add(g)
    return a, b, g


def test_second_read_costs_no_query_and_keeps_genres(two):
    a, b, _ = two
    first = selectors.titles_by_ids_cached(ids=[a.id, b.id, 999_999])
    assert set(first) == {a.id, b.id}
    with CaptureQueriesContext(connection) as q:
        again = selectors.titles_by_ids_cached(ids=[b.id, a.id])
        assert [g.name for g in again[a.id].genres.all()] == ["Drama"]
    assert len(q) == 0


def test_saves_and_genre_changes_evict(two):
    a, b, g = two
    selectors.titles_by_ids_cached(ids=[a.id, b.id])
    a.primary_title = "A renamed"
    a.save()
    assert selectors.titles_by_ids_cached(ids=[a.id])[a.id].primary_title == "A renamed"
    b.genres.add(g)  # forward m2m change
    assert [x.name for x in selectors.titles_by_ids_cached(ids=[b.id])[b.id].genres.all()] == ["Drama"]
    g.titles.remove(a)  # reverse m2m change
    assert list(selectors.titles_by_ids_cached(ids=[a.id])[a.id].genres.all()) == []
    a.delete()
    assert selectors.titles_by_ids_cached(ids=[a.id]) == {}


def test_entries_expire(two, monkeypatch):
    a, _, _ = two
    selectors.titles_by_ids_cached(ids=[a.id])
    Title.objects.filter(pk=a.id).update(primary_title="changed elsewhere")  # no signal: another process
    assert selectors.titles_by_ids_cached(ids=[a.id])[a.id].primary_title == "A"
    monkeypatch.setattr(selectors, "TITLE_CACHE_TTL_S", -1.0)
    selectors.title_cache_evict()
    selectors.titles_by_ids_cached(ids=[a.id])  # stored already expired
    assert selectors.titles_by_ids_cached(ids=[a.id])[a.id].primary_title == "changed elsewhere"
