"""Viewing KPIs: what viewers do in the time window (events per day, completion, most watched and
abandoned titles, active viewers).

Closed days are read from their roll-up (`analytics.models.ViewingDay`, written by
`analytics.services.viewing_days_rollup`); the rest of the window is scanned in the event log.
Definitions in docs/analytics.md.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.filters import ViewingFilters
from analytics.models import ViewingDay
from analytics.selectors.common import event_table, fetch_all, sql_datetime, viewing_window
from catalog.models import Title
from interactions.models import Event, EventKind


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the site's time zone (the days of `TruncDate`)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _rolled_days(since, now):
    """({day: ViewingDay}, (start, end) or None): the window's whole closed days that have a
    roll-up, as one run of consecutive days ending at the latest of them, and the time range
    they cover. Every other part of the window is scanned in the event log."""
    first = timezone.localtime(since).date() + dt.timedelta(days=1)  # the window's first whole day
    last = timezone.localtime(now).date() - dt.timedelta(days=1)
    if first > last:
        return {}, None
    rows = {r.day: r for r in ViewingDay.objects.filter(day__gte=first, day__lte=last)}
    if not rows:
        return {}, None
    end = start = max(rows)
    while start - dt.timedelta(days=1) in rows:
        start -= dt.timedelta(days=1)
    run = {d: r for d, r in rows.items() if start <= d <= end}
    return run, (day_start(start), day_start(end + dt.timedelta(days=1)))


def _window_events(since, covered):
    """Events of the window outside the rolled-up range (two index ranges, not one filtered scan)."""
    if covered is None:
        return Event.objects.filter(server_ts__gte=since)
    lo, hi = covered
    return Event.objects.filter(Q(server_ts__gte=since, server_ts__lt=lo) | Q(server_ts__gte=hi))


def _day_range(since, now):
    d, end, out = since.date(), now.date(), []
    while d <= end:
        out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def kpi_events_per_day(*, filters: ViewingFilters) -> dict:
    """Events per day and kind: closed days from their roll-up (`ViewingDay`), the rest scanned."""
    since, now = viewing_window(filters)
    run, covered = _rolled_days(since, now)
    rows = (_window_events(since, covered).annotate(day=TruncDate("server_ts"))
            .values("day", "kind").annotate(n=Count("id")).order_by("day", "kind"))
    days = {}
    totals = {}
    counts = [(r["day"], r["kind"], r["n"]) for r in rows]
    counts += [(d, kind, n) for d, row in run.items() for kind, n in row.events.items()]
    for day, kind, n in counts:
        day = day.isoformat() if hasattr(day, "isoformat") else str(day)
        days.setdefault(day, {})[kind] = days.get(day, {}).get(kind, 0) + n
        totals[kind] = totals.get(kind, 0) + n
    kinds = [k for k, _ in EventKind.choices]
    return {
        "since": since.isoformat(), "until": now.isoformat(), "kinds": kinds,
        "days": [{"day": d, **{k: days.get(d, {}).get(k, 0) for k in kinds}} for d in _day_range(since, now)],
        "totals": {k: totals.get(k, 0) for k in kinds}, "events": sum(totals.values()),
    }


def _title_names(ids):
    return dict(Title.objects.filter(id__in=list(ids)).values_list("id", "primary_title"))


# Completion and the active-viewer windows are raw SQL because each counts *distinct viewers* in
# two steps the ORM cannot say (a GROUP BY over a grouped subquery): first each (title, viewer) or
# viewer once — a hash aggregate — then per title or window. `Count(..., distinct=True)` sorts
# every group instead, and a separate `.aggregate()` for completion's totals ran the whole scan a
# second time: at 100 M events, 770 → 500 ms and 645 → 140 ms (docs/benchmarks.md). The same
# form does not help watched/abandoned, whose cost is its "never finished" probe per close.

def kpi_completion(*, filters: ViewingFilters, top: int = 15, min_starters: int = 1) -> dict:
    """Completion = distinct viewers with a full_watch ÷ distinct viewers with a play, per title and overall."""
    since, _ = viewing_window(filters)
    sql = f"""
        WITH pairs AS (
            SELECT title_id, user_id, kind FROM {event_table()}
            WHERE server_ts >= %s AND kind IN (%s, %s)
            GROUP BY title_id, user_id, kind
        ), per_title AS (
            SELECT title_id, SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS starters,
                   SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS finishers
            FROM pairs GROUP BY title_id
        )
        SELECT NULL, SUM(starters), SUM(finishers) FROM per_title
        UNION ALL
        SELECT * FROM (SELECT title_id, starters, finishers FROM per_title WHERE starters >= %s
                       ORDER BY starters DESC, finishers DESC, title_id LIMIT %s) top_titles"""
    rows = fetch_all(sql, [sql_datetime(since), EventKind.PLAY, EventKind.FULL_WATCH, EventKind.PLAY, EventKind.FULL_WATCH,
                        min_starters, top])
    totals = next((r for r in rows if r[0] is None), (None, 0, 0))
    rows = sorted(((int(t), int(st), int(fi)) for t, st, fi in rows if t is not None),
                  key=lambda r: (-r[1], -r[2], r[0]))
    names = _title_names(t for t, _, _ in rows)
    s, fw = int(totals[1] or 0), int(totals[2] or 0)
    return {
        "starters": s, "finishers": fw, "completion_rate": fw / s if s else None,
        "titles": [{"title_id": t, "title": names.get(t, "?"), "starters": st, "finishers": fi,
                    "completion_rate": fi / st if st else None} for t, st, fi in rows],
    }


def kpi_watched_abandoned(*, filters: ViewingFilters, top: int = 10) -> dict:
    """Most watched (viewers with a full_watch) and most abandoned (a close, never a full_watch) titles."""
    since, _ = viewing_window(filters)
    recent = Event.objects.filter(server_ts__gte=since)
    watched = list(recent.filter(kind=EventKind.FULL_WATCH).values("title_id")
                   .annotate(viewers=Count("user_id", distinct=True), events=Count("id"))
                   .order_by("-viewers", "-events", "title_id")[:top])
    from django.db.models import Exists, OuterRef
    finished = Event.objects.filter(user_id=OuterRef("user_id"), title_id=OuterRef("title_id"),
                                    kind=EventKind.FULL_WATCH)
    abandoned = list(recent.filter(kind=EventKind.CLOSE).filter(~Exists(finished)).values("title_id")
                     .annotate(viewers=Count("user_id", distinct=True), events=Count("id"))
                     .order_by("-viewers", "-events", "title_id")[:top])
    names = _title_names({r["title_id"] for r in watched} | {r["title_id"] for r in abandoned})

    def fmt(rows):
        return [{"title_id": r["title_id"], "title": names.get(r["title_id"], "?"), "viewers": r["viewers"],
                 "events": r["events"]} for r in rows]

    return {"most_watched": fmt(watched), "most_abandoned": fmt(abandoned)}


def kpi_active_viewers(*, filters: ViewingFilters) -> dict:
    """Distinct viewers per day (closed days from their roll-up) and over the last 1, 7, 30 days."""
    since, now = viewing_window(filters)
    run, covered = _rolled_days(since, now)
    per_day = {d.isoformat(): row.viewers for d, row in run.items()}
    for r in (_window_events(since, covered).annotate(day=TruncDate("server_ts")).values("day")
              .annotate(n=Count("user_id", distinct=True)).order_by("day")):
        per_day[r["day"].isoformat() if hasattr(r["day"], "isoformat") else str(r["day"])] = r["n"]
    # Each viewer of the last 30 days once, with their latest event (one hash aggregate), then the
    # three windows counted over those rows — instead of three sorted COUNT(DISTINCT)s.
    d1, d7, d30 = (sql_datetime(now - dt.timedelta(days=n)) for n in (1, 7, 30))
    (w1, w7, w30), = fetch_all(f"""
        SELECT SUM(CASE WHEN last_at >= %s THEN 1 ELSE 0 END), SUM(CASE WHEN last_at >= %s THEN 1 ELSE 0 END),
               COUNT(*)
        FROM (SELECT user_id, MAX(server_ts) AS last_at FROM {event_table()} WHERE server_ts >= %s
              GROUP BY user_id) viewers""", [d1, d7, d30])
    return {"days": [{"day": d, "viewers": per_day.get(d, 0)} for d in _day_range(since, now)],
            "last_1_day": int(w1 or 0), "last_7_days": int(w7 or 0), "last_30_days": int(w30 or 0)}
