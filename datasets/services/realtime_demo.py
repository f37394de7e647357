"""The real-time loop, end to end, as one visible run (`manage.py run_demo`, `make demo`).

Nothing here re-implements the loop; every step calls the code the product runs:

1. the stream simulator (`interactions.services.stream.SimulatedStream` + `simulator_server`,
   what `simulate_watch_stream` serves) on a free local port, in a background thread;
2. the consumer (`stream_consume`, what `consume_watch_stream` runs): every row becomes an
   idempotent `play` event; a second poll of the same snapshot shows the duplicates;
3. the viewer's top picks (`recommendations.selectors.recommendations_for_user`, what the API
   and the home page serve);
4. a `full_watch` recorded through `interactions.services.events.events_record` — the service
   behind `POST /api/events/` — which requests the refresh (`refresh_request`) and, after
   commit, the Celery task `refresh_user_recommendations` (in-process when Celery is eager,
   on a worker otherwise: the demo then waits for the worker's notification);
5. the new "Because you watched X" list (`because_you_watched`), the notification, and a check
   that the finished film is in neither the new list nor the top picks.

Each step is reported as a `DemoStep` (offset since the start, duration in ms) through
`on_step`, so the command prints the timeline while it happens.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model

from catalog.models import Title
from core.errors import ApplicationError, NotFound
from core.selectors import model_version_active

TOP_K = 5
SIMULATOR_HOLD_S = 3600.0  # one snapshot for the whole demo: a second poll sees the same rows (duplicates)


class DemoError(ApplicationError):
    """The demo cannot run (empty catalog, unknown viewer, no refresh arrived …)."""


@dataclasses.dataclass
class DemoStep:
    name: str  # stable key: setup, simulator, poll, simulator_stopped, viewer, before, watch, refresh, after, …
    text: str
    at_s: float  # offset of the step's start since the demo started
    ms: float  # duration
    details: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class DemoResult:
    steps: list[DemoStep]
    user_id: int
    title_id: int
    before_ids: list[int]
    after_ids: list[int]
    snapshot_id: int
    notification_id: int
    excluded: bool
    stream: dict | None = None  # summed PollResult of the consumer, None with stream=False
    total_s: float = 0.0


class _Timeline:
    def __init__(self, on_step):
        self.t0 = time.perf_counter()
        self.steps: list[DemoStep] = []
        self.on_step = on_step

    def add(self, name, text, *, started, details=()):
        now = time.perf_counter()
        step = DemoStep(name=name, text=text, at_s=started - self.t0, ms=(now - started) * 1000,
                        details=list(details))
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return step

    @contextlib.contextmanager
    def step(self, name):
        """`with tl.step("x") as s: …; s["text"] = …` — timed from entry to exit."""
        started = time.perf_counter()
        box = {"text": name, "details": []}
        yield box
        self.add(name, box["text"], started=started, details=box["details"])


def _label(title) -> str:
    return f"{title.primary_title} ({title.start_year})" if title.start_year else title.primary_title


def _runtime_description() -> str:
    from celery import current_app as app

    db = settings.DATABASES["default"]
    vendor = db["ENGINE"].rsplit(".", 1)[-1]
    where = db["NAME"] if vendor == "sqlite3" else f"{db.get('HOST') or 'localhost'}/{db['NAME']}"
    celery = ("Celery eager (tasks run in-process)" if app.conf.task_always_eager
              else f"Celery via {app.conf.broker_url.split('@')[-1]} (tasks run on a worker)")
    return f"{vendor} {where}, {celery}"


def _run_stream(tl: _Timeline, *, rows: int, polls: int, seed: int) -> dict | None:
    from interactions.selectors import stream_simulation_sources
    from interactions.services.stream import STREAM_PATH, SimulatedStream, simulator_server, stream_consume

    started = time.perf_counter()
    titles, customers, mapped = stream_simulation_sources()
    if not titles or not customers:
        tl.add("simulator", "stream skipped: no titles or no viewers to simulate", started=started)
        return None
    stream = SimulatedStream(titles=titles, customers=customers, rows=rows, seed=seed, hold=SIMULATOR_HOLD_S)
    server = simulator_server(stream, host="127.0.0.1", port=0)  # port 0: a free port chosen by the OS
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              name="netfloox-demo-stream", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}{STREAM_PATH}"
    note = ("" if mapped else " — no Netflix ids in the catalog: serving catalog ids, the consumer will count "
                              "them as unknown")
    tl.add("simulator", f"stream simulator listening on {host}:{port}{note}", started=started,
           details=[f"{len(titles):,} titles × {len(customers):,} customers, {rows} rows per response, seed {seed}",
                    f"GET {url}"])
    try:
        last = [time.perf_counter()]

        def report(n, result, error, delay):
            if error:
                text = f"consumer poll {n}: FAILED ({error})"
            else:
                again = " (same snapshot again)" if n > 1 else ""
                text = (f"consumer poll {n}{again}: {result.rows} rows → {result.stored} stored, "
                        f"{result.duplicates} duplicates, {result.unknown_movies} unknown movies, "
                        f"{result.unknown_customers} unknown customers, {result.created_viewers} viewers created, "
                        f"{result.invalid} invalid")
            tl.add("poll", text, started=last[0])
            last[0] = time.perf_counter()

        summary = stream_consume(url=url, interval=0.0, max_polls=polls, timeout=5.0, max_backoff=0.5,
                                 create_viewers=True, sleep=lambda s: None, on_poll=report)
    finally:
        started = time.perf_counter()
        server.shutdown()
        server.server_close()
        thread.join(5)
        tl.add("simulator_stopped", f"stream simulator stopped after {stream.requests} request(s)", started=started)
    totals = summary.totals.as_dict()
    if summary.succeeded == 0:
        raise DemoError(f"no poll of the simulator at {url} succeeded ({summary.failures} failure(s))")
    return {**totals, "polls": summary.polls, "failures": summary.failures}


def _wait_for_refresh(*, user, title_id: int, after_notification_id: int, wait_s: float):
    """The notification written by the refresh that `title_id` triggered (polls when a worker runs it)."""
    from recommendations import selectors

    deadline = time.monotonic() + wait_s
    while True:
        note = selectors.notifications_for_user(user=user).filter(id__gt=after_notification_id).first()
        if note is not None and note.payload.get("source_title_id") == title_id:
            return note
        if time.monotonic() >= deadline:
            raise DemoError(
                f"no refreshed recommendations for {user.username} within {wait_s:g} s: with REDIS_URL set, "
                "is a worker consuming the `realtime` queue (`make worker`)? A refresh already pending for this "
                "viewer is not enqueued twice (beat's sweep re-enqueues it).")
        time.sleep(0.05)


def _run_stale_refresh(tl: _Timeline, *, user) -> None:
    """With Celery eager nothing will ever run a refresh left pending by an earlier broker-backed run
    (a pending refresh is not enqueued twice), so run it now — the task beat's sweep would re-enqueue."""
    from recommendations.models import RefreshRequest
    from recommendations.tasks import refresh_user_recommendations

    started = time.perf_counter()
    stale = RefreshRequest.objects.filter(user=user, pending=True).values_list("requested_at", flat=True).first()
    if stale is None:
        return
    refresh_user_recommendations.delay(user.id)
    tl.add("stale_refresh", f"a refresh of {user.username} left pending since {stale:%Y-%m-%d %H:%M:%S} UTC "
                            "(no worker ran it) was run first, as beat's sweep would", started=started)


def demo_run(*, username: str = "demo", title_id: int | None = None, stream: bool = True, rows: int = 20,
             polls: int = 2, seed: int = 0, wait_s: float = 30.0, on_step=None) -> DemoResult:
    """Run the real-time loop once for `username` and return its timeline (see the module docstring).

    `title_id`: the film the viewer finishes (default: their current #1 pick, which they have not
    seen). Raises DemoError / NotFound with a message saying what to run first.
    """
    from celery import current_app as app

    from interactions import selectors as interaction_selectors
    from interactions.models import EventKind, EventSource
    from interactions.services.events import events_record
    from recommendations import selectors
    from recommendations.models import RecommendationSnapshot

    tl = _Timeline(on_step)

    with tl.step("setup") as s:
        if not Title.objects.exists():
            raise DemoError("The catalog is empty: run `make setup` (or `manage.py seed_demo`) first.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise NotFound(f"No viewer named {username!r}: run `make setup` (or `manage.py seed_demo`) first, "
                           "or pass --user USERNAME.", field="user")
        chosen = None
        if title_id is not None:
            chosen = Title.objects.filter(pk=title_id).first()
            if chosen is None:
                raise NotFound(f"No title with id {title_id} (--title).", field="title")
        active = model_version_active(name="recommender")
        model = (f"recommender {active['version']} active" if active
                 else "no recommender trained yet: lists are popular fallbacks (run `manage.py train_recommender`)")
        s["text"] = f"{_runtime_description()}; {model}"

    stream_totals = None
    if stream:
        stream_totals = _run_stream(tl, rows=rows, polls=polls, seed=seed)

    with tl.step("viewer") as s:
        seen = interaction_selectors.history_list(user=user).count()
        s["text"] = f"viewer {user.username} (id {user.id}): {seen} title(s) in their history"

    if app.conf.task_always_eager:
        _run_stale_refresh(tl, user=user)

    with tl.step("before") as s:
        before = selectors.recommendations_for_user(user=user, k=TOP_K)
        version = f", version {before.model_version}" if before.model_version else ""
        s["text"] = f"top {TOP_K} for {user.username} [source {before.source}{version}]"
        s["details"] = [f"{i}. {_label(t)}" for i, t in enumerate(before.titles, 1)]
        if before.note:
            s["details"].append(f"note: {before.note}")

    with tl.step("pick") as s:
        if chosen is not None:
            title, how = chosen, "chosen with --title"
        elif before.titles:
            title, how = before.titles[0], "their #1 pick"
        else:
            raise DemoError(f"No recommendation for {user.username} to watch: pass --title ID.")
        already = interaction_selectors.interaction_get(user=user, title_id=title.id)
        seen_note = "already in their history: a re-watch" if already and not already.hidden else "not seen yet"
        s["text"] = f"{user.username} will finish {_label(title)} (id {title.id}, {how}, {seen_note})"

    last_note = selectors.notifications_for_user(user=user).values_list("id", flat=True).first() or 0
    with tl.step("watch") as s:
        rec = events_record(events=[{"event_id": str(uuid.uuid4()), "title_id": title.id,
                                     "kind": EventKind.FULL_WATCH}],
                            actor=user, source=EventSource.API)
        where = ("the refresh ran in-process on commit (Celery eager)" if app.conf.task_always_eager
                 else "refresh task enqueued on the `realtime` queue")
        s["text"] = (f"full_watch recorded by events_record (the POST /api/events/ service): stored {rec.stored}, "
                     f"duplicates {rec.duplicates}; {where}")

    with tl.step("refresh") as s:
        note = _wait_for_refresh(user=user, title_id=title.id, after_notification_id=last_note, wait_s=wait_s)
        snap = RecommendationSnapshot.objects.filter(pk=note.payload.get("snapshot_id")).first()
        if snap is None:
            raise DemoError(f"the notification #{note.id} names no snapshot")
        by = "in-process" if app.conf.task_always_eager else "by the worker"
        s["text"] = (f"recommendations refreshed {by}: snapshot #{snap.id} ({len(snap.items)} titles, "
                     f"source {note.payload.get('source')}) computed in {snap.compute_ms or 0:.0f} ms, no retraining")

    with tl.step("after") as s:
        after = selectors.because_you_watched(user=user, k=TOP_K)
        before_ids = {t.id for t in before.titles}
        s["text"] = f"Because you watched {after.reason_title.primary_title}:" if after and after.reason_title \
            else "Because you watched: (no snapshot)"
        s["details"] = [f"{i}. {_label(t)}{'' if t.id in before_ids else '  (new)'}"
                        for i, t in enumerate(after.titles if after else [], 1)]

    with tl.step("notification") as s:
        s["text"] = f"notification #{note.id} for {user.username}: “{note.message}”"
        s["details"] = [f"payload: {note.payload}"]

    with tl.step("excluded") as s:
        in_snapshot = title.id in {it["title_id"] for it in snap.items}
        top_now = selectors.recommendations_for_user(user=user, k=20)
        in_top = title.id in {t.id for t in top_now.titles}
        excluded = not in_snapshot and not in_top
        verdict = "yes" if excluded else "NO"
        s["text"] = (f"{title.primary_title} excluded from the new list and from the top 20 picks "
                     f"[source {top_now.source}]: {verdict}")

    return DemoResult(steps=tl.steps, user_id=user.id, title_id=title.id, before_ids=[t.id for t in before.titles],
                      after_ids=[t.id for t in after.titles] if after else [], snapshot_id=snap.id,
                      notification_id=note.id, excluded=excluded, stream=stream_totals,
                      total_s=time.perf_counter() - tl.t0)
