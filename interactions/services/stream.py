"""The real-time "currently watching" stream: its wire format, the poll, and the offline simulator.

Wire format (the course's Netflix real-time API, `GET /users-currently-watching-movie`): the
HTTP body is a JSON *string* whose content is a pandas ``orient="split"`` frame::

    "{\\"columns\\": [\\"YearRelease\\", \\"Name\\", \\"current_time\\", \\"customerID\\"],
      \\"index\\": [<Netflix Prize MovieID>], \\"data\\": [[2004, \\"Some Title\\", <epoch ms>, <customer id>]]}"

`parse_split_frame` also accepts the frame object directly (single encoding). Each row becomes a
`play` event ("currently watching" = the viewer is playing that film) with the deterministic
id ``uuid5(STREAM_NAMESPACE, f"stream:{movie}:{customer}:{current_time}")``: the same row seen
in two polls is stored once. MovieID ↦ Title.netflix_id, customerID ↦ Profile.netflix_customer_id.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone

from core.errors import ValidationFailed
from interactions import selectors
from interactions.models import EventKind, EventSource

log = logging.getLogger(__name__)

COLUMNS = ["YearRelease", "Name", "current_time", "customerID"]
STREAM_PATH = "/users-currently-watching-movie"
STREAM_NAMESPACE = uuid.UUID("5f0c3a52-8f0e-4c8e-9d6a-7e1d2b9c4a10")  # never change: ids depend on it
MAX_BODY_BYTES = 20 * 1024 * 1024
RECORD_CHUNK = 1000


class StreamFormatError(ValueError):
    """The body is not a (double-)JSON-encoded split frame with the expected columns."""


class StreamFetchError(OSError):
    """The stream could not be fetched (network error, timeout, HTTP error status)."""


@dataclasses.dataclass(frozen=True)
class StreamRow:
    movie_id: int
    year: int | None
    name: str
    current_time: int  # epoch milliseconds
    customer_id: int

    @property
    def event_id(self) -> uuid.UUID:
        return uuid.uuid5(STREAM_NAMESPACE, f"stream:{self.movie_id}:{self.customer_id}:{self.current_time}")

    @property
    def watched_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.current_time / 1000, tz=dt.UTC)


@dataclasses.dataclass
class PollResult:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    unknown_movies: int = 0
    unknown_customers: int = 0
    created_viewers: int = 0
    invalid: int = 0

    def as_dict(self):
        return dataclasses.asdict(self)


# --- format -----------------------------------------------------------------------------------
def encode_split_frame(rows) -> str:
    """The HTTP body for `rows` ([{movie_id, year, name, current_time, customer_id}] or StreamRow):
    a JSON string encoding the split frame (double JSON encoding, as the real API answers)."""
    index, data = [], []
    for r in rows:
        r = dataclasses.asdict(r) if isinstance(r, StreamRow) else r
        index.append(int(r["movie_id"]))
        data.append([r.get("year"), r.get("name", ""), int(r["current_time"]), int(r["customer_id"])])
    return json.dumps(json.dumps({"columns": COLUMNS, "index": index, "data": data}))


def _int(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().isdigit() and len(v.strip()) <= 20:
        return int(v.strip())
    return None


def parse_split_frame(body) -> tuple[list[StreamRow], int]:
    """(rows, invalid_row_count) from a stream body (bytes or str).

    Raises StreamFormatError when the body as a whole is not a split frame with the four
    expected columns; individual rows with unusable values are skipped and counted.
    """
    if isinstance(body, (bytes, bytearray)):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StreamFormatError(f"body is not UTF-8: {exc}") from None
    try:
        frame = json.loads(body)
        if isinstance(frame, str):  # the real API's double encoding
            frame = json.loads(frame)
    except (TypeError, ValueError) as exc:
        raise StreamFormatError(f"body is not JSON: {exc}") from None
    if not isinstance(frame, dict):
        raise StreamFormatError(f"expected a split frame object, got {type(frame).__name__}")
    columns, index, data = frame.get("columns"), frame.get("index"), frame.get("data")
    if not isinstance(columns, list) or not isinstance(index, list) or not isinstance(data, list):
        raise StreamFormatError("a split frame needs the lists 'columns', 'index' and 'data'")
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise StreamFormatError(f"missing column(s) {', '.join(missing)} (got {columns!r:.200})")
    if len(index) != len(data):
        raise StreamFormatError(f"'index' has {len(index)} entries but 'data' has {len(data)} rows")
    pos = {c: columns.index(c) for c in COLUMNS}
    rows, invalid = [], 0
    for movie, values in zip(index, data, strict=True):
        if not isinstance(values, list) or len(values) != len(columns):
            invalid += 1
            continue
        movie_id, customer_id = _int(movie), _int(values[pos["customerID"]])
        raw_time = values[pos["current_time"]]
        current_time = (int(raw_time) if isinstance(raw_time, float) and math.isfinite(raw_time)
                        else _int(raw_time))  # epoch ms; a float (pandas) is truncated to the ms
        year = _int(values[pos["YearRelease"]])
        name = values[pos["Name"]]
        if not movie_id or not customer_id or current_time is None or current_time < 0:
            invalid += 1
            continue
        rows.append(StreamRow(movie_id=movie_id, year=year, name=str(name or "")[:500],
                              current_time=current_time, customer_id=customer_id))
    return rows, invalid


# --- recording --------------------------------------------------------------------------------
def stream_rows_record(*, rows: list[StreamRow], create_viewers: bool = True, invalid: int = 0) -> PollResult:
    """Map stream rows to the catalog and record them as `play` events (idempotent).

    Unknown movies are counted and logged, never fatal. Unknown customers are created as
    viewers (`accounts.services.external_viewers_ensure`) when `create_viewers`, else counted
    and skipped like unknown movies.
    """
    from interactions.services.event_validation import CLIENT_CLOCK_SKEW
    from interactions.services.events import events_record

    result = PollResult(rows=len(rows) + invalid, invalid=invalid)
    if not rows:
        return result
    now = timezone.now()
    usable = []
    for r in rows:
        try:
            if r.watched_at > now + CLIENT_CLOCK_SKEW:
                raise ValueError
        except (OverflowError, OSError, ValueError):  # absurd epoch-ms values
            result.invalid += 1
            continue
        usable.append(r)
    titles = selectors.title_ids_by_netflix_id(netflix_ids={r.movie_id for r in usable})
    customers = {r.customer_id for r in usable if r.movie_id in titles}
    viewers = selectors.user_ids_by_netflix_customer_id(customer_ids=customers)
    if create_viewers and customers - set(viewers):
        from accounts.services import external_viewers_ensure

        missing = customers - set(viewers)
        viewers.update(external_viewers_ensure(source="netflix", external_ids=missing))
        result.created_viewers = len(missing)
    events = []
    unknown_movies, unknown_customers = set(), set()
    for r in usable:
        if r.movie_id not in titles:
            result.unknown_movies += 1
            unknown_movies.add(r.movie_id)
        elif r.customer_id not in viewers:
            result.unknown_customers += 1
            unknown_customers.add(r.customer_id)
        else:
            events.append({"event_id": r.event_id, "user_id": viewers[r.customer_id], "title_id": titles[r.movie_id],
                           "kind": EventKind.PLAY, "client_ts": r.watched_at})
    if unknown_movies:
        log.warning("stream: %d row(s) for %d movie id(s) not in the catalog, e.g. %s", result.unknown_movies,
                    len(unknown_movies), sorted(unknown_movies)[:10])
    if unknown_customers:
        log.warning("stream: %d row(s) for %d unknown customer id(s), e.g. %s", result.unknown_customers,
                    len(unknown_customers), sorted(unknown_customers)[:10])
    for start in range(0, len(events), RECORD_CHUNK):
        chunk = events[start:start + RECORD_CHUNK]
        try:
            rec = events_record(events=chunk, actor=None, source=EventSource.STREAM, allow_any_user=True)
        except ValidationFailed as exc:  # e.g. a title deleted meanwhile: drop the named rows, keep the rest
            bad = set(exc.errors)
            result.invalid += len(bad)
            log.warning("stream: %d row(s) refused: %s", len(bad), dict(list(exc.errors.items())[:5]))
            chunk = [e for i, e in enumerate(chunk) if i not in bad]
            rec = events_record(events=chunk, actor=None, source=EventSource.STREAM, allow_any_user=True)
        result.stored += rec.stored
        result.duplicates += rec.duplicates
    return result


def stream_fetch(url: str, *, timeout: float = 10.0) -> bytes:
    """GET the stream body. Raises StreamFetchError on any network or HTTP failure."""
    req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "netfloox-stream/1"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (operator-configured URL)
            body = resp.read(MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise StreamFetchError(f"HTTP {exc.code} from {url}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, DNS, timeout, bad URL
        raise StreamFetchError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_BODY_BYTES:
        raise StreamFetchError(f"body larger than {MAX_BODY_BYTES} bytes from {url}")
    return body


def stream_poll(*, url: str, timeout: float = 10.0, create_viewers: bool = True) -> PollResult:
    """One poll: fetch, parse, record. Raises StreamFetchError / StreamFormatError on failure."""
    body = stream_fetch(url, timeout=timeout)
    rows, invalid = parse_split_frame(body)
    result = stream_rows_record(rows=rows, create_viewers=create_viewers, invalid=invalid)
    log.info("stream poll %s: %s", url, result.as_dict())
    return result


@dataclasses.dataclass
class ConsumeSummary:
    polls: int = 0
    failures: int = 0
    totals: PollResult = dataclasses.field(default_factory=PollResult)

    @property
    def succeeded(self):
        return self.polls - self.failures


def stream_consume(*, url: str, interval: float = 10.0, max_polls: int | None = None, timeout: float = 10.0,
                   max_backoff: float = 300.0, create_viewers: bool = True, sleep=time.sleep, on_poll=None,
                   stop: threading.Event | None = None) -> ConsumeSummary:
    """Poll `url` every `interval` seconds until `max_polls` (None: forever) or `stop` is set.

    A failed poll (network error, bad payload, database error) is logged and retried after an
    exponential back-off: interval × 2, × 4, … capped at `max_backoff`; a success resets it.
    """
    summary = ConsumeSummary()
    consecutive_failures = 0
    while max_polls is None or summary.polls < max_polls:
        if stop is not None and stop.is_set():
            break
        summary.polls += 1
        try:
            result = stream_poll(url=url, timeout=timeout, create_viewers=create_viewers)
        except (StreamFetchError, StreamFormatError) as exc:
            error = str(exc)
        except Exception as exc:  # a database hiccup must not kill the consumer either
            log.exception("stream poll failed unexpectedly")
            error = f"{type(exc).__name__}: {exc}"
        else:
            error = None
            consecutive_failures = 0
            for f in dataclasses.fields(PollResult):
                setattr(summary.totals, f.name, getattr(summary.totals, f.name) + getattr(result, f.name))
        delay = interval
        if error is not None:
            summary.failures += 1
            consecutive_failures += 1
            delay = min(max(interval, 0.001) * 2 ** consecutive_failures, max_backoff)
            log.warning("stream poll %d failed (%s); retrying in %.1f s", summary.polls, error, delay)
        if on_poll is not None:
            on_poll(summary.polls, None if error else result, error, delay)
        if max_polls is not None and summary.polls >= max_polls:
            break
        if stop is not None:
            if stop.wait(delay):
                break
        else:
            sleep(delay)
    return summary


# --- simulator --------------------------------------------------------------------------------
class SimulatedStream:
    """Random but seeded "currently watching" rows from a list of titles and customers.

    `hold` keeps the same snapshot for that many seconds (0: new rows on every request), so a
    consumer polling faster than the snapshot changes sees the same rows again.
    """

    def __init__(self, *, titles, customers, rows=20, seed=0, hold=0.0, clock=time.time):
        if not titles or not customers:
            raise ValueError("the simulator needs at least one title and one customer")
        self.titles, self.customers = list(titles), list(customers)
        self.rows, self.hold, self.clock = rows, hold, clock
        self.rng = random.Random(seed)
        self._lock = threading.Lock()
        self._body, self._made_at = None, None
        self.requests = 0

    def body(self) -> str:
        with self._lock:
            self.requests += 1
            now = self.clock()
            if self._body is None or self.hold <= 0 or now - self._made_at >= self.hold:
                now_ms = int(now * 1000)
                rows = []
                for _ in range(self.rows):
                    movie_id, year, name = self.rng.choice(self.titles)
                    rows.append({"movie_id": movie_id, "year": year, "name": name,
                                 "current_time": now_ms - self.rng.randrange(0, 1000),
                                 "customer_id": self.rng.choice(self.customers)})
                self._body, self._made_at = encode_split_frame(rows), now
            return self._body


def simulator_server(stream: SimulatedStream, *, host="127.0.0.1", port=0) -> ThreadingHTTPServer:
    """An HTTP server answering GET /users-currently-watching-movie with `stream.body()`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.split("?", 1)[0].rstrip("/") != STREAM_PATH:
                self.send_error(404, f"try {STREAM_PATH}")
                return
            payload = stream.body().encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, fmt, *args):
            log.debug("simulator: " + fmt, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
