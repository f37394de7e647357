"""events_record: idempotency, all-or-nothing validation, the aggregate, hiding, ratings, triggers."""
import datetime as dt
import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.errors import NotFound, PermissionDenied, ValidationFailed
from interactions import selectors
from interactions.models import Event, Interaction
from interactions.scoring import interaction_weight
from interactions.services import retrain as retrain_service
from interactions.services.events import events_record
from interactions.services.history import interaction_hide
from interactions.services.ratings import rating_set
from interactions.services.retrain import maybe_trigger_retrain
from recommendations.models import RefreshRequest
from tests.interactions.conftest import ev

pytestmark = pytest.mark.django_db


def record(user, items, **kw):
    return events_record(events=items, actor=user, source="api", **kw)


# --- idempotency ------------------------------------------------------------------------------
def test_the_same_event_twice_is_stored_once(viewer, titles):
    e = ev(titles[0], "play")
    first = record(viewer, [e])
    again = record(viewer, [dict(e)])
    assert (first.stored, first.duplicates) == (1, 0) and first.event_ids == [e["event_id"]]
    assert (again.stored, again.duplicates) == (0, 1) and again.duplicate_ids == [e["event_id"]]
    assert Event.objects.count() == 1
    assert Interaction.objects.get(user=viewer, title=titles[0]).event_count == 1


def test_the_same_batch_twice_is_stored_once(viewer, titles):
    batch = [ev(titles[0], "thumbnail_click"), ev(titles[0], "play"), ev(titles[1], "full_watch")]
    assert record(viewer, batch).stored == 3
    r = record(viewer, batch)
    assert (r.stored, r.duplicates) == (0, 3)
    assert Event.objects.count() == 3
    assert Interaction.objects.get(user=viewer, title=titles[0]).event_count == 2
    assert Interaction.objects.get(user=viewer, title=titles[1]).full_watches == 1


def test_duplicates_inside_a_batch_are_counted_and_the_first_wins(viewer, titles):
    a = ev(titles[0], "rating", value=4)
    batch = [a, {**a, "value": 1}, ev(titles[1], "play")]
    r = record(viewer, batch)
    assert (r.stored, r.duplicates) == (2, 1)
    assert Event.objects.get(event_id=a["event_id"]).value == 4
    assert Interaction.objects.get(user=viewer, title=titles[0]).rating == 4


def test_uuid_spellings_of_the_same_id_are_one_event(viewer, titles):
    u = uuid.uuid4()
    r = record(viewer, [ev(titles[0], event_id=str(u)), ev(titles[0], event_id=u.hex.upper()),
                        ev(titles[0], event_id=f"urn:uuid:{u}")])
    assert (r.stored, r.duplicates) == (1, 2)


# --- validation: all-or-nothing, every bad item and field named ----------------------------------
def test_a_mixed_batch_stores_nothing_and_names_each_bad_item_and_field(viewer, titles):
    batch = [
        ev(titles[0], "play"),                                      # 0 fine
        ev(titles[0], "binge"),                                     # 1 unknown kind
        {**ev(titles[0]), "event_id": "not-a-uuid"},                # 2 bad uuid
        ev(titles[0], "rating", value=7),                           # 3 rating out of range
        ev(999999, "play"),                                         # 4 unknown title
        ev(titles[1], "play", value=-3, client_ts="yesterday"),     # 5 two bad fields
        "junk",                                                     # 6 not an object
        {"kind": "play"},                                           # 7 missing fields
    ]
    with pytest.raises(ValidationFailed) as exc:
        record(viewer, batch)
    errors = exc.value.errors
    assert set(errors) == {1, 2, 3, 4, 5, 6, 7}
    assert set(errors[1]) == {"kind"} and "binge" in errors[1]["kind"][0]
    assert set(errors[2]) == {"event_id"}
    assert set(errors[3]) == {"value"} and "0.5" in errors[3]["value"][0]
    assert errors[4] == {"title_id": ["No title with id 999999."]}
    assert set(errors[5]) == {"value", "client_ts"}
    assert set(errors[6]) == {"non_field_errors"}
    assert set(errors[7]) == {"event_id", "title_id"}
    assert "nothing was stored" in exc.value.message
    assert Event.objects.count() == 0 and Interaction.objects.count() == 0


@pytest.mark.parametrize("field,value", [
    ("value", 4.3), ("value", 0), ("value", 5.5), ("value", float("nan")), ("value", True), ("value", "4"),
    ("value", None),
])
def test_rating_values_must_be_half_stars_between_half_and_five(viewer, titles, field, value):
    with pytest.raises(ValidationFailed) as exc:
        record(viewer, [ev(titles[0], "rating", **{field: value})])
    assert set(exc.value.errors[0]) == {"value"}


@pytest.mark.parametrize("value", [0.5, 1, 3.5, 5])
def test_valid_ratings_are_stored(viewer, titles, value):
    record(viewer, [ev(titles[0], "rating", value=value)])
    assert Interaction.objects.get().rating == value


@pytest.mark.parametrize("item,field", [
    ({"value": -1}, "value"), ({"value": float("inf")}, "value"), ({"value": 10**400}, "value"),
    ({"title_id": True}, "title_id"), ({"title_id": 10**30}, "title_id"), ({"title_id": -4}, "title_id"),
    ({"title_id": 1.5}, "title_id"), ({"event_id": {"nested": [1]}}, "event_id"), ({"event_id": "x" * 5000}, "event_id"),
    ({"kind": ["play"]}, "kind"), ({"client_ts": "2999-01-01T00:00:00Z"}, "client_ts"),
    ({"client_ts": "2024-13-45T00:00:00"}, "client_ts"), ({"client_ts": "0001-01-01T00:00:00+14:00"}, "client_ts"),
    ({"client_ts": 1714000000}, "client_ts"), ({"user_id": "abc"}, "user_id"), ({"user_id": 2**40}, "user_id"),
])
def test_weird_values_are_refused_naming_the_field(viewer, titles, item, field):
    with pytest.raises((ValidationFailed, PermissionDenied)) as exc:
        record(viewer, [{**ev(titles[0], "play"), **item}])
    assert field in exc.value.extra["errors"][0]
    assert Event.objects.count() == 0


def test_client_ts_is_kept_and_naive_times_are_utc(viewer, titles):
    record(viewer, [ev(titles[0], "play", client_ts="2024-05-01T20:15:00"),
                    ev(titles[0], "full_watch", client_ts="2024-05-01T22:45:00+02:00")])
    got = sorted(Event.objects.values_list("client_ts", flat=True))
    assert got == [dt.datetime(2024, 5, 1, 20, 15, tzinfo=dt.UTC), dt.datetime(2024, 5, 1, 20, 45, tzinfo=dt.UTC)]
    i = Interaction.objects.get()
    assert (i.first_at, i.last_at) == tuple(got)


def test_posting_for_another_viewer_needs_the_permission(viewer, other_viewer, titles):
    with pytest.raises(PermissionDenied) as exc:
        record(viewer, [ev(titles[0]), ev(titles[0], user_id=other_viewer.id)])
    assert exc.value.extra["errors"] == {1: {"user_id": ["Not allowed to post events for another viewer."]}}
    assert Event.objects.count() == 0
    r = record(viewer, [ev(titles[0], user_id=other_viewer.id)], allow_any_user=True)
    assert r.stored == 1 and Event.objects.get().user == other_viewer


def test_unknown_viewer_is_a_validation_error_for_a_service(viewer, titles):
    with pytest.raises(ValidationFailed) as exc:
        events_record(events=[ev(titles[0], user_id=987654)], actor=None, source="stream", allow_any_user=True)
    assert exc.value.errors == {0: {"user_id": ["No viewer with id 987654."]}}


def test_a_system_source_must_name_the_viewer(titles):
    with pytest.raises(ValidationFailed) as exc:
        events_record(events=[ev(titles[0])], actor=None, source="import", allow_any_user=True)
    assert "user_id" in exc.value.errors[0]


# --- the aggregate --------------------------------------------------------------------------------
def test_aggregate_follows_the_scoring_function_over_a_sequence_of_events(viewer, titles):
    t = titles[0]
    steps = [
        (["thumbnail_click"], dict(implicit=1, full=0, rating=None, weight=1)),
        (["thumbnail_click", "thumbnail_click"], dict(implicit=1, full=0, rating=None, weight=1)),  # max, not sum
        (["play"], dict(implicit=2, full=0, rating=None, weight=2)),
        (["skip"], dict(implicit=3, full=0, rating=None, weight=3)),
        (["close"], dict(implicit=3, full=0, rating=None, weight=3)),
        (["full_watch"], dict(implicit=4, full=1, rating=None, weight=4)),
        (["full_watch"], dict(implicit=4, full=2, rating=None, weight=5)),          # re-watch +1
        (["full_watch", "full_watch"], dict(implicit=4, full=4, rating=None, weight=6)),  # bonus capped at +2
        ([("rating", 1.5)], dict(implicit=4, full=4, rating=1.5, weight=1.5)),     # explicit overrides
        (["play"], dict(implicit=4, full=4, rating=1.5, weight=1.5)),
        ([("rating", 4.5), ("rating", 3)], dict(implicit=4, full=4, rating=3, weight=3)),  # last of batch wins
    ]
    count = 0
    for kinds, want in steps:
        batch = [ev(t, k[0], value=k[1]) if isinstance(k, tuple) else ev(t, k) for k in kinds]
        record(viewer, batch)
        count += len(kinds)
        i = Interaction.objects.get(user=viewer, title=t)
        assert (i.implicit_score, i.full_watches, i.rating, i.weight) == (
            want["implicit"], want["full"], want["rating"], want["weight"]), kinds
        assert i.weight == interaction_weight(implicit_score=i.implicit_score, full_watches=i.full_watches,
                                              rating=i.rating)
        assert i.event_count == count


def test_one_batch_equals_the_same_events_one_by_one(viewer, other_viewer, titles):
    kinds = ["thumbnail_click", "play", "full_watch", "close", "full_watch", "full_watch", "skip"]
    record(viewer, [ev(titles[2], k) for k in kinds])
    for k in kinds:
        record(other_viewer, [ev(titles[2], k)])
    a = Interaction.objects.get(user=viewer, title=titles[2])
    b = Interaction.objects.get(user=other_viewer, title=titles[2])
    fields = ("implicit_score", "full_watches", "rating", "weight", "event_count")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields] == [4, 3, None, 6, 7]


# --- hiding and ratings -----------------------------------------------------------------------------
def test_hiding_keeps_the_events_and_a_new_event_unhides(viewer, titles):
    record(viewer, [ev(titles[0], "full_watch"), ev(titles[1], "play")])
    interaction_hide(user=viewer, title_id=titles[0].id)
    assert [i.title_id for i in selectors.history_list(user=viewer)] == [titles[1].id]
    assert Event.objects.filter(title=titles[0]).count() == 1  # the log is append-only
    assert Interaction.objects.get(user=viewer, title=titles[0]).hidden is True
    record(viewer, [ev(titles[0], "thumbnail_click")])
    i = Interaction.objects.get(user=viewer, title=titles[0])
    assert i.hidden is False and i.weight == 4 and i.event_count == 2


def test_hiding_something_never_watched_is_not_found(viewer, titles):
    with pytest.raises(NotFound):
        interaction_hide(user=viewer, title_id=titles[0].id)
    with pytest.raises(NotFound):
        interaction_hide(user=viewer, title_id=10**30)


def test_rating_set_records_an_event_and_overrides_the_weight(viewer, titles):
    record(viewer, [ev(titles[0], "full_watch")])
    i = rating_set(user=viewer, title_id=titles[0].id, stars=2.5)
    assert (i.rating, i.weight) == (2.5, 2.5)
    assert Event.objects.filter(kind="rating", user=viewer).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        rating_set(user=viewer, title_id=titles[0].id, stars=4.2)
    assert list(exc.value.errors) == ["stars"]
    with pytest.raises(NotFound):
        rating_set(user=viewer, title_id=999999, stars=4)


# --- the "finished a film" trigger ------------------------------------------------------------------
def test_each_finished_film_triggers_one_refresh_deduplicated_while_pending(
        viewer, other_viewer, titles, django_capture_on_commit_callbacks):
    from recommendations.services.refresh import user_recommendations_refresh

    with mock.patch("recommendations.tasks.refresh_user_recommendations.apply_async") as delay:
        def post(user, items):
            with django_capture_on_commit_callbacks(execute=True):
                return record(user, items)

        finished = ev(titles[0], "full_watch")
        post(viewer, [finished])
        assert [c.args[0] for c in delay.call_args_list] == [(viewer.id,)]

        post(viewer, [finished])                                  # duplicate delivery: no new refresh
        post(viewer, [ev(titles[1], "play"), ev(titles[1], "close")])  # not a finished film
        assert delay.call_count == 1

        post(viewer, [ev(titles[2], "full_watch")])               # still pending: deduplicated
        assert delay.call_count == 1
        assert RefreshRequest.objects.get(user=viewer).source_title_id == titles[2].id

        post(other_viewer, [ev(titles[0], "full_watch")])         # another viewer: their own refresh
        assert [c.args[0] for c in delay.call_args_list] == [(viewer.id,), (other_viewer.id,)]

        user_recommendations_refresh(user_id=viewer.id)           # the worker ran it: no longer pending
        post(viewer, [ev(titles[3], "full_watch"), ev(titles[4], "full_watch")])  # two films, one batch
        assert [c.args[0] for c in delay.call_args_list] == [(viewer.id,), (other_viewer.id,), (viewer.id,)]
        assert RefreshRequest.objects.get(user=viewer).source_title_id == titles[4].id


def test_a_rejected_batch_triggers_nothing(viewer, titles, django_capture_on_commit_callbacks):
    with mock.patch("recommendations.tasks.refresh_user_recommendations.apply_async") as delay:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
            record(viewer, [ev(titles[0], "full_watch"), ev(titles[0], "nope")])
    assert delay.call_count == 0 and not RefreshRequest.objects.exists()


def test_the_refresh_runs_eagerly_in_the_embedded_setup(viewer, titles, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(viewer, [ev(titles[0], "full_watch")])
    req = RefreshRequest.objects.get(user=viewer)
    assert req.pending is False and req.refresh_count == 1


# --- retraining after N new interactions -------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_training_queued(monkeypatch):
    """These tests count the recommender's requests for a training; none is queued (and run)."""
    monkeypatch.setattr("recommendations.tasks.training_enqueue_on_commit", lambda *, reason: None)


def test_retraining_is_requested_once_per_threshold_crossing(viewer, titles, settings, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    settings.NETFLOOX_RETRAIN_AFTER_INTERACTIONS = 5
    retrain_service.retrain_counter_reset()
    calls = []
    monkeypatch.setattr("recommendations.services.training.training_request",
                        lambda *, reason: calls.append(reason) or True)

    def post(n):
        with django_capture_on_commit_callbacks(execute=True):
            record(viewer, [ev(titles[0], "play") for _ in range(n)])

    post(3)
    assert calls == []
    post(3)
    assert len(calls) == 1 and "6 new interactions" in calls[0]
    retrain_service.retrain_counter_reset()  # what the training run does when it starts
    post(4)
    assert len(calls) == 1
    post(1)
    assert len(calls) == 2
    dup = ev(titles[0], "play")
    retrain_service.retrain_counter_reset()
    for _ in range(6):  # duplicates are not new interactions
        with django_capture_on_commit_callbacks(execute=True):
            record(viewer, [dup])
    assert len(calls) == 2


def test_a_cold_cache_counter_is_seeded_from_the_database(viewer, titles, settings, monkeypatch):
    settings.NETFLOOX_RETRAIN_AFTER_INTERACTIONS = 5
    record(viewer, [ev(titles[0], "play") for _ in range(5)])  # on_commit not run: the counter never saw them
    retrain_service.retrain_counter_reset()
    cache.clear()
    fake = mock.Mock(return_value=True)
    monkeypatch.setattr("recommendations.services.training.training_request", fake)
    monkeypatch.setattr(retrain_service, "RETRAIN_FLUSH_EVENTS", 1)  # flush on every call
    assert retrain_service.new_interactions_since(None) == 5
    assert retrain_service.new_interactions_since(timezone.now()) == 0
    assert maybe_trigger_retrain(added=1) is True
    fake.assert_called_once()


def test_without_a_listener_the_hook_is_a_harmless_no_op(viewer, titles, settings):
    from interactions import signals
    from recommendations import receivers

    settings.NETFLOOX_RETRAIN_AFTER_INTERACTIONS = 1
    retrain_service.retrain_counter_reset()
    uid = "recommendations.retrain_wanted"
    assert signals.retrain_wanted.disconnect(dispatch_uid=uid)
    try:
        assert maybe_trigger_retrain(added=3) is False
        assert record(viewer, [ev(titles[0], "full_watch")]).stored == 1
    finally:
        signals.retrain_wanted.connect(receivers.on_retrain_wanted, dispatch_uid=uid)


def test_a_failing_training_request_never_breaks_ingestion(transactional_db, viewer, titles, settings, monkeypatch,
                                                           caplog):
    settings.NETFLOOX_RETRAIN_AFTER_INTERACTIONS = 2
    retrain_service.retrain_counter_reset()

    def boom(*, reason):
        raise RuntimeError("the recommender is broken")

    monkeypatch.setattr("recommendations.services.training.training_request", boom)
    r = record(viewer, [ev(titles[0], "play"), ev(titles[1], "full_watch")])  # autocommit: hooks run now
    assert r.stored == 2 and Event.objects.count() == 2
    assert "requesting a recommender training failed" in caplog.text
    assert cache.get(retrain_service.RETRAIN_COUNTER_KEY) == 2  # kept for the next attempt
    ok = mock.Mock(return_value=True)
    monkeypatch.setattr("recommendations.services.training.training_request", ok)
    record(viewer, [ev(titles[2], "play"), ev(titles[2], "play")])
    ok.assert_called_once()
