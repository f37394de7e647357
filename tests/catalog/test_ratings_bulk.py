"""interactions.services.imports: the bulk rating path (COPY on PostgreSQL) and the demo's events path."""
import datetime as dt
from unittest import mock

import pytest

from accounts.models import Profile
from catalog.models import ImportRun, Title
from interactions.models import Event, Interaction
from interactions.scoring import interaction_weight
from interactions.services import imports

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


def check_result(films, counts):
    assert counts["read"] == 8
    assert counts["inserted"] == 4
    assert counts["rejected"] == 3
    assert counts["duplicates"] == 1
    assert Event.objects.count() == 4
    assert set(Profile.objects.values_list("netflix_customer_id", flat=True)) == {101, 102}
    agg = Interaction.objects.get(user__profile__netflix_customer_id=102, title=films[0])
    assert (agg.rating, agg.event_count, agg.weight) == (3.0, 2, interaction_weight(implicit_score=0, full_watches=0,
                                                                                  rating=3.0))
    assert (agg.first_at, agg.last_at) == (dt.datetime(2005, 1, 3, 12, 30, tzinfo=dt.UTC),
                                           dt.datetime(2005, 1, 4, tzinfo=dt.UTC))


def test_ratings_become_events_and_aggregates_once(films):
    counts = imports.ratings_import_bulk(source="netflix", rows=rows(films))
    check_result(films, counts)
    again = imports.ratings_import_bulk(source="netflix", rows=rows(films))
    assert (again["inserted"], again["duplicates"], again["viewers_created"]) == (0, 5, 0)
    assert Event.objects.count() == 4
    assert Interaction.objects.get(user__profile__netflix_customer_id=102, title=films[0]).event_count == 2


def test_an_imported_rating_keeps_a_newer_rating_and_the_implicit_signal(films, viewer):
    from interactions.services.events import events_record

    Profile.objects.filter(user=viewer).update(netflix_customer_id=555)
    events_record(events=[{"event_id": "8f7e2b1c-0000-4000-8000-000000000001", "title_id": films[3].id,
                           "kind": "full_watch"},
                          {"event_id": "8f7e2b1c-0000-4000-8000-000000000002", "title_id": films[3].id,
                           "kind": "rating", "value": 4.5}], actor=viewer, source="web")
    imports.ratings_import_bulk(source="netflix", rows=[(555, films[3].id, 1, "2005-01-01")])
    agg = Interaction.objects.get(user=viewer, title=films[3])
    assert (agg.rating, agg.full_watches, agg.implicit_score, agg.event_count) == (4.5, 1, 4.0, 3)
    assert agg.first_at == dt.datetime(2005, 1, 1, tzinfo=dt.UTC)


def test_chunks_and_the_import_run_counters(films):
    run = ImportRun.objects.create(source="netflix")
    seen = []
    counts = imports.ratings_import_bulk(source="netflix", rows=rows(films), run=run, chunk_size=3,
                                         on_chunk=lambda c: seen.append(c["read"]))
    check_result(films, counts)
    assert seen == [3, 6, 8]
    run.refresh_from_db()
    assert (run.rows_read, run.rows_inserted, run.rows_unchanged, run.rows_rejected) == (8, 4, 1, 3)


def test_unknown_source_is_refused(films):
    with pytest.raises(ValueError, match="unknown rating source"):
        imports.ratings_import_bulk(source="imdb", rows=[])


def test_the_python_event_id_is_uuid3_of_the_documented_name():
    import uuid

    eid = imports.rating_event_id(source="netflix", external_user_id=7, title_id=3, rated_at=dt.date(2005, 1, 2))
    assert eid == uuid.uuid3(imports.IMPORT_NAMESPACE, "netflix:7:3:2005-01-02") and eid.version == 3


@pytest.mark.postgres
def test_postgresql_uses_copy_and_stays_idempotent(films):
    with mock.patch.object(imports, "copy_into_stage", wraps=imports.copy_into_stage) as copy:
        counts = imports.ratings_import_bulk(source="netflix", rows=rows(films))
        assert copy.call_count == 1
        check_result(films, counts)
        again = imports.ratings_import_bulk(source="netflix", rows=rows(films), chunk_size=2)
        assert copy.call_count == 1 + 3  # the chunk of two invalid rows has nothing to copy
    assert (again["inserted"], again["duplicates"]) == (0, 5)
    e = Event.objects.get(user__profile__netflix_customer_id=101, title=films[1])
    assert e.event_id == imports.rating_event_id(source="netflix", external_user_id=101, title_id=films[1].id,
                                                 rated_at=dt.date(2005, 1, 2))


def test_events_import_bulk_folds_implicit_events_like_the_live_path(films, viewer):
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows_ = [(viewer.id, films[0].id, "thumbnail_click", None, t0),
             (viewer.id, films[0].id, "play", 0.0, t0 + dt.timedelta(seconds=5)),
             (viewer.id, films[0].id, "full_watch", 1.0, t0 + dt.timedelta(hours=2)),
             (viewer.id, films[0].id, "full_watch", 1.0, t0 + dt.timedelta(days=3)),
             (viewer.id, films[1].id, "play", 0.0, t0),
             (viewer.id, films[1].id, "rating", 2.0, t0 + dt.timedelta(hours=1))]
    counts = imports.events_import_bulk(key="test", rows=rows_)
    assert (counts["inserted"], counts["interactions"]) == (6, 2)
    a = Interaction.objects.get(user=viewer, title=films[0])
    assert (a.implicit_score, a.full_watches, a.event_count, a.weight) == (4.0, 2, 4, 5.0)
    b = Interaction.objects.get(user=viewer, title=films[1])
    assert (b.rating, b.weight) == (2.0, 2.0)
    assert imports.events_import_bulk(key="test", rows=rows_)["inserted"] == 0
    assert Interaction.objects.get(user=viewer, title=films[0]).event_count == 4


def test_the_fast_hex_id_is_the_same_uuid3():
    import uuid

    for name in ("netflix:1:2:2005-01-01", "movielens:610:9742:2018-09-24T03:27:35", "é"):
        assert imports._uuid3_hex(name) == uuid.uuid3(imports.IMPORT_NAMESPACE, name).hex


def test_a_parser_error_in_the_helper_thread_reaches_the_caller(films):
    def broken():
        yield (101, films[0].id, 4, "2005-01-01")
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        imports.ratings_import_bulk(source="netflix", rows=broken(), chunk_size=1)
    assert Event.objects.count() == 1  # the chunk before the error was stored
