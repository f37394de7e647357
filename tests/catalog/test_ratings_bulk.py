"""interactions.services.ratings_import: imported ratings (bulk load / staged merge on PostgreSQL, upserts on
SQLite), the combined viewer signal, and the demo's events path (interactions.services.events_import)."""
import datetime as dt
from unittest import mock

import numpy as np
import pytest
from django.db import connection

from accounts.models import Profile
from catalog.models import ImportRun, Title
from interactions import selectors
from interactions.models import Event, ImportedRating, Interaction
from interactions.services import events_import, rating_key, rating_stores, rating_viewers, ratings_import
from interactions.services.rating_batch import RatingBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(db):
    return [Title.objects.create(primary_title=f"Film {i}", netflix_id=i + 1) for i in range(4)]


def rows(films):
    return [
        (101, films[0].id, 4, "2005-01-01"),
        (101, films[1].id, 2.5, dt.date(2005, 1, 2)),
        (102, films[0].id, 5, dt.datetime(2005, 1, 3, 12, 30, tzinfo=dt.UTC)),
        (102, films[0].id, 3, "2005-01-04"),             # a later rating of the same film: it wins
        (103, films[2].id, 7, "2005-01-01"),             # out of range
        (103, films[2].id, 4, "2005-02-30"),             # impossible date
        (103, 999_999, 4, "2005-01-01"),                 # no such title
        (101, films[0].id, 4, "2005-01-01"),             # the same rating twice
    ]


def stored():
    return sorted(ImportedRating.objects.values_list("user__profile__netflix_customer_id", "title_id",
                                                     "rating_halves", "rated_at"))


def check_result(films, counts):
    assert counts["read"] == 8
    assert counts["inserted"] == 3
    assert counts["rejected"] == 3
    # The older rating of (102, film 0) and the repeated one: both duplicates when they meet in one
    # chunk (or in a bulk load); across chunks of a merge the later rating is an update.
    assert counts["duplicates"] + counts["updated"] == 2
    assert set(Profile.objects.values_list("netflix_customer_id", flat=True)) == {101, 102}
    assert stored() == [(101, films[0].id, 8, dt.datetime(2005, 1, 1, tzinfo=dt.UTC)),
                        (101, films[1].id, 5, dt.datetime(2005, 1, 2, tzinfo=dt.UTC)),
                        (102, films[0].id, 6, dt.datetime(2005, 1, 4, tzinfo=dt.UTC))]
    assert Event.objects.count() == 0 and Interaction.objects.count() == 0  # history is not live activity


def test_ratings_are_stored_once_with_their_own_date(films):
    counts = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films))
    check_result(films, counts)
    before = stored()
    again = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films))
    assert (again["inserted"], again["updated"], again["duplicates"], again["viewers_created"]) == (0, 0, 5, 0)
    assert stored() == before


def test_a_newer_rating_replaces_the_stored_one_an_older_one_does_not(films):
    ratings_import.ratings_import_bulk(source="netflix", rows=rows(films))
    newer = ratings_import.ratings_import_bulk(source="netflix", rows=[(101, films[0].id, 1, "2006-06-06")])
    older = ratings_import.ratings_import_bulk(source="netflix", rows=[(101, films[1].id, 5, "1999-12-31")])
    assert (newer["updated"], older["updated"], older["duplicates"]) == (1, 0, 1)
    got = dict(((u, t), (h, when.year)) for u, t, h, when in stored())
    assert got[(101, films[0].id)] == (2, 2006) and got[(101, films[1].id)] == (5, 2005)


def test_numpy_batches_are_the_parsers_path(films):
    b = RatingBatch(ext=np.array([7, 7, 8]), title=np.array([films[0].id, films[1].id, films[0].id]),
                    halves=np.array([10, 3, 7], dtype=np.int16),
                    day=np.array([12_800, 12_801, 12_802]), seconds=np.array([0, 3600, 59]))
    counts = ratings_import.ratings_import_bulk(source="movielens", batches=[b])
    assert (counts["inserted"], counts["viewers_created"]) == (3, 2)
    r = ImportedRating.objects.get(user__profile__movielens_user_id=7, title=films[1])
    assert (r.rating, r.source) == (1.5, 2)
    assert r.rated_at == dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=12_801, hours=1)


@pytest.mark.parametrize("dense_max", [1 << 24, 100])
def test_viewer_ids_map_through_the_direct_table_and_the_sorted_arrays_alike(films, monkeypatch, dense_max):
    """External ids below `_ViewerMap.DENSE_MAX` go through a direct table, the others through a
    binary search; both find the same viewers, created once, across chunks and imports."""
    monkeypatch.setattr(rating_viewers._ViewerMap, "DENSE_MAX", dense_max)
    ids = [5, 99, 150, 2_649_429, 10**12]

    def batch(ext, title):
        n = len(ext)
        return RatingBatch(ext=np.array(ext, dtype=np.int64), title=np.full(n, title.id, dtype=np.int64),
                           halves=np.full(n, 8, dtype=np.int16), day=np.full(n, 12_800, dtype=np.int64))

    first = ratings_import.ratings_import_bulk(source="netflix", batches=[batch(ids[:3], films[0]), batch(ids, films[1])],
                                        chunk_size=2)
    assert (first["inserted"], first["viewers_created"]) == (8, 5)
    again = ratings_import.ratings_import_bulk(source="netflix", batches=[batch(ids[::-1], films[2])])
    assert (again["inserted"], again["viewers_created"]) == (5, 0)
    by_viewer = {}
    for ext, title, _, _ in stored():
        by_viewer.setdefault(ext, set()).add(title)
    assert by_viewer == {i: {films[1].id, films[2].id} | ({films[0].id} if i in ids[:3] else set()) for i in ids}
    assert Profile.objects.filter(netflix_customer_id__in=ids).count() == 5


def test_the_viewer_signal_combines_the_live_aggregate_and_the_imports(films, viewer):
    """A pair in both: the live weight, the imported rating standing in for a site rating it lacks;
    a hidden title is gone from both; training reads the same statement."""
    from interactions.services.events import events_record
    from interactions.services.history import interaction_hide

    Profile.objects.filter(user=viewer).update(netflix_customer_id=555)
    ev = "8f7e2b1c-0000-4000-8000-00000000000"
    events_record(events=[{"event_id": f"{ev}1", "title_id": films[3].id, "kind": "full_watch"},
                          {"event_id": f"{ev}2", "title_id": films[3].id, "kind": "rating", "value": 4.5},
                          {"event_id": f"{ev}3", "title_id": films[2].id, "kind": "full_watch"},
                          {"event_id": f"{ev}4", "title_id": films[1].id, "kind": "play"}],
                  actor=viewer, source="web")
    ratings_import.ratings_import_bulk(source="netflix", rows=[(555, films[3].id, 1, "2005-01-01"),
                                                        (555, films[2].id, 2, "2005-01-01"),
                                                        (555, films[1].id, 5, "2005-01-01"),
                                                        (555, films[0].id, 3, "2005-01-01")])
    interaction_hide(user=viewer, title_id=films[1].id)
    read = selectors.viewer_signal(user_id=viewer.id)
    signal = dict(zip(read.title_ids.tolist(), read.weights.tolist(), strict=True))
    assert signal == {films[3].id: 4.5,  # the site rating
                      films[2].id: 2.0,  # the imported rating overrides the implicit full watch
                      films[0].id: 3.0}  # imported only; films[1] is hidden
    assert Interaction.objects.get(user=viewer, title=films[3]).rating == 4.5  # the live row is untouched
    with connection.cursor() as cur:
        cur.execute(selectors.signal_sql(), {})
        everyone = {(u, t): w for u, t, w, _ in cur.fetchall()}
    assert everyone == {(viewer.id, t): w for t, w in signal.items()}


def test_chunks_and_the_import_run_counters(films):
    run = ImportRun.objects.create(source="netflix")
    seen = []
    counts = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films), run=run, chunk_size=3,
                                         on_chunk=lambda c: seen.append(c["read"]))
    check_result(films, counts)
    assert seen == sorted(seen) and len(seen) == 2 and seen[-1] <= 8  # progress grows chunk by chunk
    run.refresh_from_db()
    assert (run.rows_read, run.rows_inserted, run.rows_unchanged + run.rows_updated, run.rows_rejected) == (8, 3, 2, 3)


def test_unknown_source_and_ambiguous_input_are_refused(films):
    with pytest.raises(ValueError, match="unknown rating source"):
        ratings_import.ratings_import_bulk(source="imdb", rows=[])
    with pytest.raises(ValueError, match="either batches or rows"):
        ratings_import.ratings_import_bulk(source="netflix")


def test_a_parser_error_in_the_helper_thread_reaches_the_caller(films):
    def broken():
        yield (101, films[0].id, 4, "2005-01-01")
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        ratings_import.ratings_import_bulk(source="netflix", rows=broken(), chunk_size=1)
    assert ImportedRating.objects.count() == 1  # the chunk before the error was stored


@pytest.mark.postgres
def test_postgresql_first_import_bulk_loads_then_merges(films):
    with mock.patch.object(rating_stores, "_copy", wraps=rating_stores._copy) as copy:
        counts = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films))
        assert counts["bulk_load"] and copy.call_args_list[0].args[1] == ImportedRating._meta.db_table
        check_result(films, counts)
        with connection.cursor() as cur:
            assert rating_key.rating_table_key(cur) == "interactions_importedrating_pkey"  # built at the end
        again = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films), chunk_size=2)
        assert not again["bulk_load"]
        assert {c.args[1] for c in copy.call_args_list[1:]} == {rating_stores._PG_STAGE}  # staged merge
    assert (again["inserted"], again["duplicates"]) == (0, 5)


@pytest.mark.postgres
def test_postgresql_bulk_load_keeps_the_latest_of_pairs_repeated_across_chunks(films):
    counts = ratings_import.ratings_import_bulk(source="netflix", chunk_size=1, rows=[
        (1, films[0].id, 2, "2005-01-01"), (1, films[0].id, 5, "2005-03-01"), (1, films[0].id, 3, "2005-02-01")])
    assert counts["bulk_load"]
    assert [(h, when.month) for _, _, h, when in stored()] == [(10, 3)]
    with connection.cursor() as cur:
        assert rating_key.rating_table_key(cur) is not None


@pytest.mark.postgres
def test_postgresql_one_bulk_load_spans_several_files(films):
    first = ratings_import.ratings_import_bulk(source="netflix", build_key=False,
                                        rows=[(1, films[0].id, 2, "2005-01-01"), (2, films[1].id, 3, "2005-01-01")])
    with connection.cursor() as cur:
        assert rating_key.rating_table_key(cur) is None  # still loading
    last = ratings_import.ratings_import_bulk(source="netflix", rows=[(1, films[0].id, 5, "2005-02-01"),
                                                               (1, films[2].id, 4, "2005-01-01")])
    assert first["bulk_load"] and last["bulk_load"] and last["removed_at_key_build"] == 1
    with connection.cursor() as cur:
        assert rating_key.rating_table_key(cur) is not None
    assert [(t, h) for _, t, h, _ in stored()] == [(films[0].id, 10), (films[2].id, 8), (films[1].id, 6)]


@pytest.mark.postgres
def test_postgresql_an_interrupted_bulk_load_is_finished_by_the_next_import(films):
    ratings_import.ratings_import_bulk(source="netflix", rows=[(1, films[0].id, 2, "2005-01-01")])
    user_id = ImportedRating.objects.get().user_id
    with connection.cursor() as cur:  # what a killed first import leaves: no key, a repeated pair
        cur.execute("ALTER TABLE interactions_importedrating DROP CONSTRAINT interactions_importedrating_pkey")
        cur.execute("INSERT INTO interactions_importedrating (title_id, rated_at, user_id, rating_halves, source) "
                    "VALUES (%s, '2005-06-01', %s, 9, 1)", [films[0].id, user_id])
    counts = ratings_import.ratings_import_bulk(source="netflix", rows=[(1, films[1].id, 4, "2005-01-01")])
    assert counts["bulk_load"] and counts["removed_at_key_build"] == 1  # carried on, then the key
    with connection.cursor() as cur:
        assert rating_key.rating_table_key(cur) is not None
    assert [(t, h) for _, t, h, _ in stored()] == [(films[0].id, 9), (films[1].id, 8)]


def test_events_import_bulk_folds_implicit_events_like_the_live_path(films, viewer):
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows_ = [(viewer.id, films[0].id, "thumbnail_click", None, t0),
             (viewer.id, films[0].id, "play", 0.0, t0 + dt.timedelta(seconds=5)),
             (viewer.id, films[0].id, "full_watch", 1.0, t0 + dt.timedelta(hours=2)),
             (viewer.id, films[0].id, "full_watch", 1.0, t0 + dt.timedelta(days=3)),
             (viewer.id, films[1].id, "play", 0.0, t0),
             (viewer.id, films[1].id, "rating", 2.0, t0 + dt.timedelta(hours=1))]
    counts = events_import.events_import_bulk(key="test", rows=rows_)
    assert (counts["inserted"], counts["interactions"]) == (6, 2)
    a = Interaction.objects.get(user=viewer, title=films[0])
    assert (a.implicit_score, a.full_watches, a.event_count, a.weight) == (4.0, 2, 4, 5.0)
    b = Interaction.objects.get(user=viewer, title=films[1])
    assert (b.rating, b.weight) == (2.0, 2.0)
    assert events_import.events_import_bulk(key="test", rows=rows_)["inserted"] == 0
    assert Interaction.objects.get(user=viewer, title=films[0]).event_count == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_bulk_load_outside_a_transaction_copies_on_a_second_connection():
    """Outside a transaction (the importer's real situation) the bulk load's COPYs run on a
    second connection in a helper thread, a chunk behind the mapping of the next one: the result
    is the single-connection one, and a failing COPY reaches the caller."""
    films = [Title.objects.create(primary_title=f"Film {i}", netflix_id=i + 1) for i in range(4)]
    assert not connection.in_atomic_block
    with mock.patch.object(rating_stores, "_CopyWriter", wraps=rating_stores._CopyWriter) as writer, \
            mock.patch.object(rating_stores, "_copy") as single:
        counts = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films), chunk_size=2)
    assert writer.call_count == 1 and not single.called  # every chunk went through the helper thread
    check_result(films, counts)
    with connection.cursor() as cur:
        assert rating_key.rating_table_key(cur) == "interactions_importedrating_pkey"
    again = ratings_import.ratings_import_bulk(source="netflix", rows=rows(films))  # a merge: nothing changes
    assert (again["inserted"], again["updated"]) == (0, 0)

    ImportedRating.objects.all().delete()
    real = rating_stores._CopyWriter.put

    def corrupt(self, payload):
        return real(self, payload[:-7])  # a truncated COPY stream: PostgreSQL refuses it

    with mock.patch.object(rating_stores._CopyWriter, "put", corrupt), pytest.raises(Exception, match="COPY|copy|binary"):
        ratings_import.ratings_import_bulk(source="netflix", rows=rows(films), chunk_size=2)
    with connection.cursor() as cur:  # the lock is released: the next import runs and finishes the key
        cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert cur.fetchone()[0] == 0
    check_result(films, ratings_import.ratings_import_bulk(source="netflix", rows=rows(films)))
