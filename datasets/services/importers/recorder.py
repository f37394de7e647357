"""Records one import run: its counts, its rejected rows and its `ImportRun` row.

* `ImportRecorder` counts rows (read / inserted / updated / unchanged / rejected / skipped) per
  part and in total, keeps the first `MAX_ERRORS` rejected rows (file, line, reason) and
  persists everything as an `ImportRun` — checkpointed while the import runs, finished with a
  status, a duration and a per-part summary in `message`.
* `run_import` runs an importer's body inside a recorded run: a failure is recorded, then
  re-raised; a run that wrote titles is followed by the resolution of twin titles, and every
  finished run tells the dashboard its numbers changed.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone

from catalog.models import ImportRun
from core.errors import ApplicationError

MAX_ERRORS = 100
COUNT_KEYS = ("read", "inserted", "updated", "unchanged", "rejected", "skipped")


class ImportRecorder:
    """Counts, errors and the `ImportRun` row of one import command."""

    CHECKPOINT_EVERY = 2.0  # seconds between ImportRun saves while running

    def __init__(self, *, source: str, paths, options: dict | None = None, progress=None):
        self.run = ImportRun.objects.create(
            source=source, paths=[str(p) for p in paths], options=_jsonable(options or {}))
        self.totals: Counter = Counter()
        self.parts: dict[str, Counter] = {}
        self.errors: list[dict] = []
        self.notes: list[str] = []  # extra summary lines (e.g. viewers created)
        self.titles_written = False  # set by titles_upsert: the run added or changed titles
        self.timings: dict[str, float] = {}  # seconds per step (`timed`), kept in the run's options
        self.progress = progress
        self._part: Counter | None = None
        self._part_name: str | None = None
        self._t0 = time.monotonic()
        self._last_save = self._t0
        self._lock = threading.RLock()

    @contextmanager
    def timed(self, step: str):
        """Time a step of the import (wall seconds, in `ImportRun.options["timings"]`)."""
        t = time.monotonic()
        try:
            yield
        finally:
            self.timings[step] = round(self.timings.get(step, 0.0) + time.monotonic() - t, 3)

    @contextmanager
    def part(self, name: str):
        """Count the rows of one file/step under `name` (shown in the run's summary)."""
        self._part_name, self._part = name, self.parts.setdefault(name, Counter())
        if self.progress:
            self.progress(name, 0)
        try:
            yield self._part
        finally:
            if self.progress:
                self.progress(name, self._part["read"])
                done = getattr(self.progress, "done", None)
                if done:
                    done()
            self._part_name, self._part = None, None
            self.checkpoint(force=True)

    def count(self, **counts):
        with self._lock:  # the rating parsers report rejects from the ratings helper thread
            for key, n in counts.items():
                if n:
                    self.totals[key] += n
                    if self._part is not None:
                        self._part[key] += n
            if self.progress and counts.get("read") and self._part_name:
                self.progress(self._part_name, self._part["read"])

    def reject(self, *, path, line, reason, field=None, count=1):
        """A row that was not imported, with where and why (the first MAX_ERRORS are kept)."""
        self.count(rejected=count)
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                err = {"file": str(path), "line": line, "reason": reason}
                if field:
                    err["field"] = field
                self.errors.append(err)

    def _apply(self):
        r = self.run
        with self._lock:
            self._apply_locked(r)

    def _apply_locked(self, r):
        for key in COUNT_KEYS:
            setattr(r, f"rows_{key}", self.totals[key])
        r.errors = list(self.errors)
        r.duration_s = round(time.monotonic() - self._t0, 3)
        r.message = self.summary()

    def checkpoint(self, force=False):
        now = time.monotonic()
        if force or now - self._last_save >= self.CHECKPOINT_EVERY:
            self._last_save = now
            self._apply()
            self.run.save(update_fields=[*(f"rows_{k}" for k in COUNT_KEYS), "errors", "duration_s", "message"])

    def summary(self) -> str:
        lines = []
        for name, c in self.parts.items():
            lines.append(f"{name}: " + ", ".join(f"{c[k]:,} {k}" for k in COUNT_KEYS if c[k] or k == "read"))
        return "\n".join(lines + self.notes)

    def finish(self, *, status=ImportRun.Status.SUCCEEDED, message: str = "") -> ImportRun:
        self._apply()
        if self.timings:
            self.run.options = {**(self.run.options or {}), "timings": dict(self.timings)}
        self.run.status = status
        self.run.finished_at = timezone.now()
        if message:
            self.run.message = (message + "\n" + self.run.message).strip()
        self.run.save()
        return self.run


def run_import(*, source: str, paths, options: dict, progress, body) -> ImportRun:
    """Run `body(recorder)` inside a recorded import; failures are recorded, then re-raised."""
    rec = ImportRecorder(source=source, paths=paths, options=options, progress=progress)
    try:
        with _no_query_log():
            body(rec)
            # A ratings-only run leaves the titles alone; the demo's titles are its own, never merged.
            if rec.titles_written and source != "demo":
                _resolve_titles(rec)
    except ApplicationError as exc:
        rec.finish(status=ImportRun.Status.FAILED, message=exc.message)
        raise
    except BaseException as exc:  # noqa: B036 - recorded, then re-raised unchanged
        rec.finish(status=ImportRun.Status.FAILED, message=f"{type(exc).__name__}: {exc}")
        raise
    run = rec.finish()
    _analytics_changed()
    return run


def _resolve_titles(rec):
    """After every import that may add titles: one title per work (catalog.services.resolution),
    whatever the order the sources came in."""
    from catalog.services.resolution import titles_resolve

    res = titles_resolve()
    merged = sum(len(ids) - 1 for ids in res.merges)
    if merged or res.ambiguous:
        rec.notes.append(f"resolution: {merged:,} twin title(s) merged across sources; {len(res.ambiguous):,} "
                         "ambiguous group(s) left for review (manage.py catalog_duplicates)")


def _analytics_changed():
    """The catalog changed: the dashboard's cached KPIs are stale (recomputed on next view)."""
    from django.conf import settings

    from core.signals import data_changed

    # With workers, one recomputes the default dashboard now; embedded, the next visitor does.
    data_changed.send(sender=_analytics_changed, warm=not settings.CELERY_TASK_ALWAYS_EAGER)


@contextmanager
def _no_query_log():
    """With DEBUG on (the development default), Django keeps and pretty-prints every query —
    for chunks of thousands of parameters that costs more than the import itself. Imports run
    in management commands (one process, one thread), so DEBUG is turned off around them."""
    if not settings.DEBUG:
        yield
        return
    from django.test.utils import override_settings

    with override_settings(DEBUG=False):
        yield


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
