"""Closed days of the event log rolled up once (`analytics.services.viewing_days_rollup`): the
viewing KPIs answer the same with and without them, whatever part of the window is rolled up."""
import datetime as dt
import uuid

import pytest
from django.utils import timezone

from analytics import services
from analytics.filters import ViewingFilters
from analytics.models import ViewingDay
from analytics.selectors.viewing import day_start, kpi_active_viewers, kpi_events_per_day
from interactions.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(catalog):
    """Events over the last 12 days (hour by hour for some viewers), today's included."""
    from accounts.services import viewer_create

    users = [viewer_create(username=f"roll-{i}", password="Passw0rd-long-enough") for i in range(4)]
    titles = list(catalog["titles"].values())[:3]
    now = timezone.now()
    kinds = ["thumbnail_click", "play", "full_watch", "skip", "close"]
    rows = []
    for h in range(0, 12 * 24, 5):
        for i, u in enumerate(users[: 1 + h % 4]):
            rows.append(Event(event_id=uuid.uuid4(), user=u, title=titles[(h + i) % 3], kind=kinds[(h + i) % 5],
                              source="web", server_ts=now - dt.timedelta(hours=h, minutes=i)))
    Event.objects.bulk_create(rows)
    return now


def both(days):
    f = ViewingFilters(days=days)
    return kpi_events_per_day(filters=f), kpi_active_viewers(filters=f)


@pytest.mark.parametrize("days", [1, 3, 7, 30])
def test_the_kpis_are_the_same_with_the_roll_up(log, days):
    before = both(days)
    written = services.viewing_days_rollup(now=log)
    assert written >= 10 and ViewingDay.objects.count() == written
    after = both(days)
    for a, b in zip(before, after, strict=True):
        a, b = dict(a), dict(b)
        for k in ("since", "until"):  # the window ends at "now", which moved between the calls
            a.pop(k, None), b.pop(k, None)
        assert a == b


def test_only_closed_settled_days_are_rolled_up_once(log):
    services.viewing_days_rollup(now=log)
    today = timezone.localtime(log).date()
    days = list(ViewingDay.objects.values_list("day", flat=True))
    assert today not in days and max(days) <= today - dt.timedelta(days=1)
    assert services.viewing_days_rollup(now=log) == 0  # idempotent
    # the rows hold what the log holds for that day
    d = days[-1]
    start = day_start(d)
    events = Event.objects.filter(server_ts__gte=start, server_ts__lt=start + dt.timedelta(days=1))
    row = ViewingDay.objects.get(day=d)
    assert sum(row.events.values()) == events.count()
    assert row.viewers == events.values("user_id").distinct().count()


def test_a_gap_in_the_roll_up_is_scanned(log):
    before = both(30)
    services.viewing_days_rollup(now=log)
    ViewingDay.objects.filter(day=timezone.localtime(log).date() - dt.timedelta(days=4)).delete()
    after = both(30)
    assert before[0]["days"] == after[0]["days"] and before[0]["totals"] == after[0]["totals"]
    assert before[1]["days"] == after[1]["days"]


def test_no_events_no_rows(db):
    assert services.viewing_days_rollup() == 0 and not ViewingDay.objects.exists()


def test_rolled_up_days_are_read_from_their_rows_not_the_log(log):
    services.viewing_days_rollup(now=log)
    d = timezone.localtime(log).date() - dt.timedelta(days=3)
    before = {x["day"]: x for x in kpi_events_per_day(filters=ViewingFilters(days=30))["days"]}
    start = day_start(d)
    deleted, _ = Event.objects.filter(server_ts__gte=start, server_ts__lt=start + dt.timedelta(days=1)).delete()
    assert deleted
    after = {x["day"]: x for x in kpi_events_per_day(filters=ViewingFilters(days=30))["days"]}
    assert after[d.isoformat()] == before[d.isoformat()]  # a closed day's counts are kept (no personal data)
