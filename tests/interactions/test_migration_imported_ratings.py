"""Migration 0005: imported rating events leave the event log for `ImportedRating`, and back.

Run on the migration's historical models (MigrationExecutor), from the state before it, with
data as the old importer wrote it: rating events of source `import` and the aggregates they made,
beside live events that must stay untouched.
"""
import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("interactions", "0004_imported_ratings_and_title_stats")]
AFTER = [("interactions", "0005_move_imported_rating_events")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The state of every app (at its latest migration) but interactions (at the target).
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "interactions"]
    return executor.loader.project_state(others + targets).apps


@pytest.fixture
def old_state(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    _migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _t(day, hour=0):
    return dt.datetime(2005, 1, day, hour, tzinfo=dt.UTC)


def test_imported_rating_events_move_out_of_the_event_log_and_back(old_state):
    apps = old_state
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    Title = apps.get_model("catalog", "Title")
    Event = apps.get_model("interactions", "Event")
    Interaction = apps.get_model("interactions", "Interaction")

    nf = User.objects.create(username="nf-7")
    Profile.objects.create(user=nf, netflix_customer_id=7)
    ml = User.objects.create(username="ml-3")
    Profile.objects.create(user=ml, movielens_user_id=3)
    a, b = Title.objects.create(primary_title="A"), Title.objects.create(primary_title="B")

    def event(user, title, kind, value, ts, source):
        Event.objects.create(event_id=uuid.uuid4(), user_id=user.id, title_id=title.id, kind=kind, value=value,
                             client_ts=ts, server_ts=ts, source=source)

    # nf rated A twice in the dataset (the later rating wins), and B once; B also has a live play.
    event(nf, a, "rating", 2.0, _t(1), "import")
    event(nf, a, "rating", 4.0, _t(3), "import")
    event(nf, b, "rating", 5.0, _t(2), "import")
    event(nf, b, "play", None, _t(20), "web")
    event(ml, a, "rating", 3.5, _t(5, 12), "import")
    Interaction.objects.create(user_id=nf.id, title_id=a.id, weight=4.0, rating=4.0, event_count=2,
                               first_at=_t(1), last_at=_t(3))
    Interaction.objects.create(user_id=nf.id, title_id=b.id, weight=5.0, rating=5.0, implicit_score=2.0,
                               event_count=2, first_at=_t(2), last_at=_t(20))
    Interaction.objects.create(user_id=ml.id, title_id=a.id, weight=3.5, rating=3.5, event_count=1,
                               first_at=_t(5, 12), last_at=_t(5, 12))

    apps = _migrate(AFTER)
    Event = apps.get_model("interactions", "Event")
    Interaction = apps.get_model("interactions", "Interaction")
    ImportedRating = apps.get_model("interactions", "ImportedRating")

    got = {(r.user_id, r.title_id): (r.rating_halves, r.rated_at, r.source) for r in ImportedRating.objects.all()}
    assert got == {(nf.id, a.id): (8, _t(3), 1), (nf.id, b.id): (10, _t(2), 1), (ml.id, a.id): (7, _t(5, 12), 2)}
    # Only the live event is left in the log; only the aggregate it made is left, recomputed from it.
    assert list(Event.objects.values_list("kind", "source")) == [("play", "web")]
    inter = {(i.user_id, i.title_id): i for i in Interaction.objects.all()}
    assert set(inter) == {(nf.id, b.id)}
    live = inter[(nf.id, b.id)]
    assert (live.rating, live.implicit_score, live.event_count, live.weight) == (None, 2.0, 1, 2.0)

    apps = _migrate(BEFORE)  # backward: the events and the ratings in the aggregates come back
    Event = apps.get_model("interactions", "Event")
    Interaction = apps.get_model("interactions", "Interaction")
    ImportedRating = apps.get_model("interactions", "ImportedRating")
    assert ImportedRating.objects.count() == 0
    assert sorted(Event.objects.filter(source="import").values_list("user_id", "title_id", "value")) == sorted(
        [(nf.id, a.id, 4.0), (nf.id, b.id, 5.0), (ml.id, a.id, 3.5)])
    ratings = dict(((i.user_id, i.title_id), i.rating) for i in Interaction.objects.all())
    assert ratings == {(nf.id, a.id): 4.0, (nf.id, b.id): 5.0, (ml.id, a.id): 3.5}


def test_the_migration_is_a_no_op_without_imported_events(old_state):
    apps = old_state
    User = apps.get_model("auth", "User")
    Title = apps.get_model("catalog", "Title")
    Event = apps.get_model("interactions", "Event")
    u, t = User.objects.create(username="live"), Title.objects.create(primary_title="Live")
    Event.objects.create(event_id=uuid.uuid4(), user_id=u.id, title_id=t.id, kind="play", client_ts=_t(1),
                         server_ts=_t(1), source="web")
    apps = _migrate(AFTER)
    assert apps.get_model("interactions", "Event").objects.count() == 1
    assert apps.get_model("interactions", "ImportedRating").objects.count() == 0
