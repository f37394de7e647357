"""The viewing KPIs' SQL against the definitions computed in Python over a random event log.

Completion, watched/abandoned and active viewers are one SQL statement each (distinct
(title, viewer) pairs first, then per title); this checks them, ties and limits included, against
a plain reading of docs/analytics.md on a log with repeated events, full watches outside the
window and closes of finished titles."""
import datetime as dt
import random
import uuid
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics.filters import ViewingFilters
from analytics.selectors.viewing import kpi_active_viewers, kpi_completion, kpi_watched_abandoned
from catalog.models import Title
from interactions.models import Event

KINDS = ["thumbnail_click", "play", "full_watch", "skip", "close"]


@pytest.fixture
def log(db):
    rng = random.Random(7)
    now = timezone.now()
    users = [get_user_model().objects.create(username=f"rv{i}") for i in range(9)]
    titles = [Title.objects.create(primary_title=f"R{i}", title_type="movie") for i in range(7)]
    events = []
    for _ in range(600):
        u, t = rng.choice(users[: rng.choice([3, 9])]), rng.choice(titles[: rng.choice([2, 7])])
        ts = now - dt.timedelta(hours=rng.uniform(0.1, 45 * 24))
        events.append(Event(event_id=uuid.uuid4(), user=u, title=t, kind=rng.choice(KINDS), source="web",
                            server_ts=ts))
    Event.objects.bulk_create(events)
    return now, [(e.user_id, e.title_id, e.kind, e.server_ts) for e in events]


def _ranked(viewers: dict, events: Counter, top):
    rows = sorted(((t, len(v), events[t]) for t, v in viewers.items() if v), key=lambda r: (-r[1], -r[2], r[0]))
    return rows[:top]


@pytest.mark.parametrize("days", [1, 7, 30])
def test_completion_watched_abandoned_and_active_viewers_match_their_definitions(log, days):
    now, events = log
    since = now - dt.timedelta(days=days)
    recent = [e for e in events if e[3] >= since]
    f = ViewingFilters(days=days)

    starters, finishers = defaultdict(set), defaultdict(set)
    for u, t, kind, _ in recent:
        if kind == "play":
            starters[t].add(u)
        elif kind == "full_watch":
            finishers[t].add(u)
    d = kpi_completion(filters=f, top=4, min_starters=2)
    assert d["starters"] == sum(len(v) for v in starters.values())
    assert d["finishers"] == sum(len(v) for v in finishers.values())
    want = sorted(((t, len(v), len(finishers[t])) for t, v in starters.items() if len(v) >= 2),
                  key=lambda r: (-r[1], -r[2], r[0]))[:4]
    assert [(r["title_id"], r["starters"], r["finishers"]) for r in d["titles"]] == want

    ever_finished = {(u, t) for u, t, kind, _ in events if kind == "full_watch"}
    watched, watched_n, abandoned, abandoned_n = defaultdict(set), Counter(), defaultdict(set), Counter()
    for u, t, kind, _ in recent:
        if kind == "full_watch":
            watched[t].add(u)
            watched_n[t] += 1
        elif kind == "close" and (u, t) not in ever_finished:
            abandoned[t].add(u)
            abandoned_n[t] += 1
    d = kpi_watched_abandoned(filters=f, top=3)
    assert [(r["title_id"], r["viewers"], r["events"]) for r in d["most_watched"]] == _ranked(watched, watched_n, 3)
    assert [(r["title_id"], r["viewers"], r["events"]) for r in d["most_abandoned"]] == \
        _ranked(abandoned, abandoned_n, 3)

    d = kpi_active_viewers(filters=f)
    for key, n in (("last_1_day", 1), ("last_7_days", 7), ("last_30_days", 30)):
        assert d[key] == len({u for u, _, _, ts in events if ts >= now - dt.timedelta(days=n)}), key


def test_an_empty_window_has_no_rates(db):
    f = ViewingFilters(days=7)
    assert kpi_completion(filters=f) == {"starters": 0, "finishers": 0, "completion_rate": None,
                                                   "titles": []}
    assert kpi_watched_abandoned(filters=f) == {"most_watched": [], "most_abandoned": []}
    d = kpi_active_viewers(filters=f)
    assert (d["last_1_day"], d["last_7_days"], d["last_30_days"]) == (0, 0, 0)
