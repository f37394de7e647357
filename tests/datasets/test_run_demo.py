"""`manage.py run_demo` (`make demo`): the real-time loop, end to end, as a printed timeline."""
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from catalog.models import Title
from interactions.models import Event
from recommendations.models import Notification, RecommendationSnapshot

TIMELINE_LINE = re.compile(r"^\[\+\d+\.\d{3}s\] .+ \(\d+ ms\)$")


def run_demo(*args):
    out = io.StringIO()
    call_command("run_demo", *args, stdout=out)
    return out.getvalue()


def timeline(output):
    return [line for line in output.splitlines() if line.startswith("[+")]


def watched_title(user):
    """The film the demo finished: its one full_watch, recorded like the API records it (source api)."""
    event = Event.objects.get(user=user, kind="full_watch", source="api")
    return event.title


def assert_refreshed_and_excluded(user, title):
    snap = RecommendationSnapshot.objects.get(user=user, reason="because_watched")
    assert snap.source_title_id == title.id
    assert snap.items and title.id not in [it["title_id"] for it in snap.items]
    note = Notification.objects.get(user=user)
    assert title.primary_title in note.message
    assert note.payload["snapshot_id"] == snap.id and note.payload["source_title_id"] == title.id
    assert title.id not in note.payload["title_ids"]
    return snap, note


@pytest.fixture
def demo_catalog(transactional_db):
    """The `make demo` world, small: seed_demo's catalog and viewers (the `demo` account included, Netflix
    ids the simulator serves) and a trained recommender (small LightFM, so the test stays fast)."""
    from recommendations.ml.recommender import HybridParams
    from recommendations.services.recommender import recommender_train

    call_command("seed_demo", "--titles", "120", "--viewers", "15", "--seed", "3", verbosity=0)
    mv = recommender_train(triggered_by="test", search=False,
                           params=HybridParams(no_components=16, epochs=5, lightfm_ensemble=1))
    assert mv.is_active, mv.gate
    return mv


@pytest.mark.django_db(transaction=True)
def test_make_demo_runs_stream_consumer_and_finished_film_refresh(demo_catalog):
    output = run_demo()
    lines = timeline(output)
    assert lines and all(TIMELINE_LINE.match(line) for line in lines), output
    text = "\n".join(lines)
    # Every step of the loop, in order.
    steps = ["stream simulator listening on 127.0.0.1:", "consumer poll 1: 20 rows → 20 stored",
             "consumer poll 2 (same snapshot again): 20 rows → 0 stored, 20 duplicates",
             "stream simulator stopped after 2 request(s)", "viewer demo", "top 5 for demo [source model",
             "demo will finish", "full_watch recorded by events_record",
             "recommendations refreshed in-process: snapshot #", "Because you watched", "notification #",
             "excluded from the new list and from the top 20 picks [source fold_in]: yes"]
    positions = [text.find(s) for s in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p < 0]
    assert positions == sorted(positions), output
    assert "Celery eager" in lines[0] and "the refresh ran in-process on commit" in text
    assert "done in" in output
    # The stream really went through the consumer into the event log (20 rows, stored once).
    assert Event.objects.filter(source="stream", kind="play").count() == 20
    # The viewer finished their #1 pick, and the refresh really happened in the database.
    demo = get_user_model().objects.get(username="demo")
    title = watched_title(demo)
    top5 = output.split("top 5 for demo", 1)[1].splitlines()[1:6]
    assert top5[0].strip() == f"1. {title.primary_title} ({title.start_year})"
    snap, note = assert_refreshed_and_excluded(demo, title)
    assert snap.model_version_id == demo_catalog.pk and note.payload["source"] == "fold_in"
    assert f"Because you watched {title.primary_title}:" in output
    assert f"notification #{note.id} for demo" in output


@pytest.mark.django_db(transaction=True)
def test_catalog_without_netflix_ids_counts_unknown_rows_and_no_model_still_refreshes(planted):
    # The planted catalog has no Netflix ids and no model: the simulator serves catalog ids (the
    # consumer counts every row as an unknown movie) and the lists are popular fallbacks.
    user = planted["viewers"]["action"][0]
    output = run_demo("--user", user.username, "--rows", "7", "--polls", "1")
    assert "no Netflix ids in the catalog" in output
    assert "consumer poll 1: 7 rows → 0 stored, 0 duplicates, 7 unknown movies" in output
    assert "no recommender trained yet" in output and "[source popular]" in output
    assert not Event.objects.filter(source="stream").exists()
    assert_refreshed_and_excluded(user, watched_title(user))


@pytest.mark.django_db(transaction=True)
def test_no_stream_and_a_chosen_title(planted):
    user = planted["viewers"]["romance"][1]
    seen = set(user.interactions.values_list("title_id", flat=True))
    film = next(t for t in planted["titles"]["romance"] if t.id not in seen)
    output = run_demo("--user", user.username, "--title", str(film.id), "--no-stream")
    assert "stream simulator" not in output and "consumer poll" not in output
    assert f"{user.username} will finish {film.primary_title}" in output and "chosen with --title" in output
    assert watched_title(user) == film
    assert_refreshed_and_excluded(user, film)


@pytest.mark.django_db(transaction=True)
def test_a_refresh_left_pending_by_a_broker_run_does_not_block_the_embedded_demo(planted):
    # A pending refresh is never enqueued twice; with Celery eager nothing else would ever run it.
    from django.utils import timezone

    from recommendations.models import RefreshRequest

    user = planted["viewers"]["action"][2]
    RefreshRequest.objects.create(user=user, pending=True, requested_at=timezone.now())
    output = run_demo("--user", user.username, "--no-stream", "--wait", "3")
    assert "left pending since" in output
    assert not RefreshRequest.objects.get(user=user).pending
    title = watched_title(user)
    snap = RecommendationSnapshot.objects.get(user=user, reason="because_watched", source_title=title)
    assert title.id not in [it["title_id"] for it in snap.items]
    note = Notification.objects.filter(user=user).order_by("-id").first()
    assert note.payload["source_title_id"] == title.id


@pytest.mark.django_db
def test_empty_catalog_says_what_to_run_first():
    with pytest.raises(CommandError, match=r"catalog is empty: run `make setup` \(or `manage.py seed_demo`\)"):
        run_demo()


@pytest.mark.django_db
def test_unknown_viewer_or_title_is_a_clear_error(viewer):
    Title.objects.create(primary_title="Only film")
    with pytest.raises(CommandError, match="No viewer named 'nobody'.*--user USERNAME"):
        run_demo("--user", "nobody")
    with pytest.raises(CommandError, match="No title with id 999999"):
        run_demo("--user", viewer.username, "--title", "999999")
    assert not Event.objects.exists()  # nothing ran: errors come before the stream
