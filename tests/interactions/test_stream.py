"""The real-time stream: exact wire format, mapping, the simulator → consumer loop, back-off."""
import json
import threading

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Profile
from interactions.models import Event, Interaction
from interactions.selectors import stream_simulation_sources
from interactions.services import stream
from interactions.services.stream import (
    SimulatedStream,
    StreamFetchError,
    StreamFormatError,
    encode_split_frame,
    parse_split_frame,
    simulator_server,
    stream_consume,
    stream_rows_record,
)
from interactions.tasks import poll_watch_stream
from tests.interactions.conftest import free_port

# What the course's API answers, byte for byte (a JSON string that encodes a split frame).
REAL_BODY = ('"{\\"columns\\":[\\"YearRelease\\",\\"Name\\",\\"current_time\\",\\"customerID\\"],'
             '\\"index\\":[1000],\\"data\\":[[2003.0,\\"Film 0\\",1714000000123,1488844]]}"')


def test_parses_the_exact_double_encoded_format():
    rows, invalid = parse_split_frame(REAL_BODY.encode())
    assert invalid == 0 and len(rows) == 1
    r = rows[0]
    assert (r.movie_id, r.year, r.name, r.current_time, r.customer_id) == (1000, 2003, "Film 0", 1714000000123, 1488844)
    assert r.watched_at.isoformat() == "2024-04-24T23:06:40.123000+00:00"
    assert r.event_id == parse_split_frame(REAL_BODY)[0][0].event_id  # deterministic


def test_accepts_a_single_encoded_frame_and_any_column_order():
    frame = {"columns": ["customerID", "current_time", "Name", "YearRelease"], "index": [7, 8],
             "data": [[5, 1714000000000, "A", 1999], ["6", 1714000000001, "B", None]]}
    rows, invalid = parse_split_frame(json.dumps(frame))
    assert invalid == 0
    assert [(r.movie_id, r.customer_id, r.year) for r in rows] == [(7, 5, 1999), (8, 6, None)]


def test_encode_then_parse_round_trips():
    rows = [{"movie_id": 3, "year": 2004, "name": "Ünïcode \"quoted\"", "current_time": 1, "customer_id": 9}]
    body = encode_split_frame(rows)
    assert isinstance(json.loads(body), str)  # double encoding, like the real API
    parsed, _ = parse_split_frame(body)
    assert (parsed[0].name, parsed[0].movie_id, parsed[0].customer_id) == ('Ünïcode "quoted"', 3, 9)


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe", b"[]", b'"just a string"', b"42", json.dumps(json.dumps([1, 2])).encode(),
    json.dumps({"columns": ["Name"], "index": [], "data": []}).encode(),
    json.dumps({"columns": stream.COLUMNS, "index": [1, 2], "data": [[2000, "x", 1, 2]]}).encode(),
    json.dumps({"columns": stream.COLUMNS, "index": "1", "data": []}).encode(),
])
def test_garbage_payloads_are_a_format_error(body):
    with pytest.raises(StreamFormatError):
        parse_split_frame(body)


def test_bad_rows_are_skipped_and_counted():
    frame = {"columns": stream.COLUMNS, "index": [1, "x", 3, 4, 5, None],
             "data": [[2000, "ok", 1714000000000, 10], [2000, "bad movie", 1, 10], [2000, "bad customer", 1, "abc"],
                      [2000, "bad time", "soon", 10], "not a row", [2000, "no movie", 1, 10]]}
    rows, invalid = parse_split_frame(json.dumps(frame))
    assert [r.name for r in rows] == ["ok"] and invalid == 5


# --- mapping and recording -----------------------------------------------------------------------------
@pytest.fixture
def netflix_viewers(db):
    from accounts.services import external_viewers_ensure

    mapping = external_viewers_ensure(source="netflix", external_ids=[111, 222])
    return mapping


def rows_for(*triples):
    return [stream.StreamRow(movie_id=m, year=2000, name="x", current_time=t, customer_id=c) for m, c, t in triples]


def test_rows_become_idempotent_play_events(titles, netflix_viewers):
    rows = rows_for((1000, 111, 1714000000000), (1001, 222, 1714000000500), (1000, 111, 1714000009000))
    r = stream_rows_record(rows=rows)
    assert (r.rows, r.stored, r.duplicates, r.unknown_movies, r.unknown_customers) == (3, 3, 0, 0, 0)
    e = Event.objects.filter(title=titles[0]).order_by("client_ts").first()
    assert (e.kind, e.source, e.user_id) == ("play", "stream", netflix_viewers[111])
    assert e.client_ts.timestamp() == 1714000000.0
    assert Interaction.objects.get(user_id=netflix_viewers[111], title=titles[0]).weight == 2
    again = stream_rows_record(rows=rows)
    assert (again.stored, again.duplicates) == (0, 3)
    assert Event.objects.count() == 3


def test_unknown_movies_are_counted_never_fatal(titles, netflix_viewers):
    r = stream_rows_record(rows=rows_for((1000, 111, 1), (55555, 111, 2), (66666, 222, 3)))
    assert (r.stored, r.unknown_movies) == (1, 2)


def test_unknown_customers_are_created_by_default_or_counted(titles, netflix_viewers):
    r = stream_rows_record(rows=rows_for((1000, 333, 1)), create_viewers=False)
    assert (r.stored, r.unknown_customers, r.created_viewers) == (0, 1, 0)
    assert not Profile.objects.filter(netflix_customer_id=333).exists()
    r = stream_rows_record(rows=rows_for((1000, 333, 1)))
    assert (r.stored, r.unknown_customers, r.created_viewers) == (1, 0, 1)
    assert Event.objects.get().user.profile.netflix_customer_id == 333


def test_rows_from_the_far_future_are_invalid_not_fatal(titles, netflix_viewers):
    r = stream_rows_record(rows=rows_for((1000, 111, 10**16), (1000, 111, 10**30), (1000, 111, 1)))
    assert (r.stored, r.invalid) == (1, 2)


# --- simulator → consumer, end to end ---------------------------------------------------------------------
@pytest.fixture
def simulator(titles, netflix_viewers):
    servers = []

    def start(**kw):
        src_titles, customers, mapped = stream_simulation_sources()
        assert mapped
        sim = SimulatedStream(titles=src_titles, customers=customers, **kw)
        server = simulator_server(sim, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return sim, f"http://127.0.0.1:{server.server_address[1]}{stream.STREAM_PATH}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def test_simulator_to_consumer_end_to_end(simulator, capsys):
    sim, url = simulator(rows=15, seed=3, hold=3600)  # the same snapshot on every request
    call_command("consume_watch_stream", url=url, once=True)
    out = capsys.readouterr().out
    body_rows, _ = parse_split_frame(sim.body())
    distinct = len({r.event_id for r in body_rows})
    assert Event.objects.filter(source="stream").count() == distinct > 0
    assert f"stored={distinct}" in out and "1 poll(s), 0 failed" in out
    call_command("consume_watch_stream", url=url, once=True)  # same rows again: nothing duplicated
    assert f"stored=0 duplicates={len(body_rows)}" in capsys.readouterr().out
    assert Event.objects.count() == distinct


def test_a_live_simulator_adds_new_rows_on_each_poll(simulator):
    sim, url = simulator(rows=10, seed=1)  # new rows on every request
    call_command("consume_watch_stream", url=url, max_polls=2, interval=0)
    assert sim.requests == 2
    assert 15 <= Event.objects.count() <= 20
    assert Event.objects.values("event_id").distinct().count() == Event.objects.count()


def test_the_simulator_is_seeded(titles, netflix_viewers):
    src_titles, customers, _ = stream_simulation_sources()
    clock = lambda: 1714000000.0  # noqa: E731
    a = SimulatedStream(titles=src_titles, customers=customers, rows=5, seed=7, clock=clock).body()
    b = SimulatedStream(titles=src_titles, customers=customers, rows=5, seed=7, clock=clock).body()
    c = SimulatedStream(titles=src_titles, customers=customers, rows=5, seed=8, clock=clock).body()
    assert a == b != c


def test_the_simulator_without_netflix_ids_says_so(db):
    from accounts.services import viewer_create
    from catalog.models import Title

    Title.objects.create(primary_title="No netflix id")
    viewer_create(username="plain", password="s3cret-Passw0rd")
    titles, customers, mapped = stream_simulation_sources()
    assert mapped is False and len(titles) == 1 and len(customers) == 1


def test_the_beat_task_is_a_no_op_without_a_url_and_polls_with_one(simulator, settings):
    settings.NETFLOOX_STREAM_URL = ""
    assert poll_watch_stream() is None
    sim, url = simulator(rows=4, seed=2, hold=3600)
    settings.NETFLOOX_STREAM_URL = url
    result = poll_watch_stream()
    assert result["rows"] == 4 and result["stored"] >= 1 and sim.requests == 1
    settings.NETFLOOX_STREAM_URL = f"http://127.0.0.1:{free_port()}/down"
    assert poll_watch_stream() is None  # logged, retried by the next beat tick


# --- failures and back-off -------------------------------------------------------------------------------
def test_a_refused_connection_backs_off_and_exits_cleanly_after_max_polls(db, capsys):
    url = f"http://127.0.0.1:{free_port()}/users-currently-watching-movie"  # nothing listens there
    with pytest.raises(CommandError, match="no poll .* succeeded"):
        call_command("consume_watch_stream", url=url, max_polls=3, interval=0.01, timeout=2)
    err = capsys.readouterr().err
    assert err.count("FAILED") == 3
    assert "next try in 0.0 s" in err  # 0.02, 0.04, 0.08 rounded


def test_once_fails_with_a_non_zero_exit_on_a_garbage_payload(db):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Garbage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>maintenance</html>")

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(CommandError):
            call_command("consume_watch_stream", url=f"http://127.0.0.1:{server.server_address[1]}/", once=True)
    finally:
        server.shutdown()
        server.server_close()


def test_backoff_doubles_is_capped_and_resets_after_a_success(monkeypatch):
    outcomes = iter(["net", "net", "format", "net", "ok", "net", "db"])

    def fake_poll(**kw):
        o = next(outcomes)
        if o == "net":
            raise StreamFetchError("refused")
        if o == "format":
            raise StreamFormatError("garbage")
        if o == "db":
            raise RuntimeError("database restarting")
        return stream.PollResult(rows=1, stored=1)

    monkeypatch.setattr(stream, "stream_poll", fake_poll)
    delays = []
    summary = stream_consume(url="http://x", interval=1, max_backoff=5, max_polls=7, sleep=delays.append)
    assert delays == [2, 4, 5, 5, 1, 2]  # no sleep after the last poll
    assert (summary.polls, summary.failures, summary.totals.stored) == (7, 6, 1)


def test_the_consumer_survives_the_source_going_away_and_coming_back(titles, netflix_viewers):
    src_titles, customers, _ = stream_simulation_sources()
    sim = SimulatedStream(titles=src_titles, customers=customers, rows=5, seed=4, hold=3600)

    def serve(port):
        server = simulator_server(sim, port=port)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    servers = [serve(0)]
    port = servers[0].server_address[1]
    stop, seen = threading.Event(), []

    def on_poll(n, result, error, delay):
        seen.append("ok" if error is None else "fail")
        if n == 1:  # the source dies after the first poll…
            servers[-1].shutdown()
            servers[-1].server_close()
        if n == 3:  # …and is back on the same port two polls later
            servers.append(serve(port))
        if n >= 4 and error is None:
            stop.set()

    try:
        summary = stream_consume(url=f"http://127.0.0.1:{port}{stream.STREAM_PATH}", interval=0.01, max_polls=10,
                                 timeout=1, on_poll=on_poll, stop=stop)
    finally:
        servers[-1].shutdown()
        servers[-1].server_close()
    assert seen == ["ok", "fail", "fail", "ok"]
    assert summary.failures == 2
    assert Event.objects.count() == summary.totals.stored == len({r.event_id for r in parse_split_frame(sim.body())[0]})
