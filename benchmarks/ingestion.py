"""Ingestion throughput of POST /api/events/ on PostgreSQL, through gunicorn, over real HTTP.

    python -m benchmarks.ingestion --out docs/benchmarks-ingestion.md

What it does:
1. (re)creates the database `netfloox_bench_ingest` on 127.0.0.1:5432, migrates it and seeds
   titles + viewers with API tokens + one service token (`--keep-db` reuses a seeded one);
2. starts gunicorn (2 workers, `netfloox.settings.base`, DJANGO_DEBUG=0, throttle raised with
   API_THROTTLE_USER, Redis db `--redis-db` as cache and Celery broker: the production shape);
3. drives it from separate client processes (stdlib `http.client`, keep-alive connections,
   several threads each) in two modes, each with a warm-up then a timed window:
   * single: each request is one event, posted by a viewer with their own token;
   * batched: each request is a batch of `--batch` events for many viewers (service token);
4. checks that every event the server accepted is in the database, and writes the report.

Client and server share the machine's cores: the numbers are a floor for the server alone.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

from benchmarks import common

REPO = Path(__file__).resolve().parent.parent
DB_NAME = "netfloox_bench_ingest"
PG = common.PG
MIX = [("thumbnail_click", 35), ("play", 30), ("close", 10), ("skip", 8), ("full_watch", 10), ("rating", 7)]
KINDS = [k for k, w in MIX for _ in range(w)]
STREAM_KINDS = ["play"]  # what the real-time stream produces: no finished films, no refresh requests


def machine():
    return common.machine()


def recreate_database():
    common.recreate_database(DB_NAME)


def server_env(args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "netfloox.settings.base",
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DB_NAME}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "100000000/minute",
        "NETFLOOX_EVENTS_MAX_BATCH": str(max(1000, args.batch)),
        "NETFLOOX_VAR_DIR": tempfile.mkdtemp(prefix="netfloox-bench-"),
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def seed(path, n_titles, n_viewers):
    """Runs inside the bench database's Django: titles, viewers with tokens, a service token."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from accounts.models import Profile
    from catalog.models import Title
    from catalog.text import normalize
    from interactions.services.tokens import service_token_create

    User = get_user_model()
    rng = random.Random(0)
    Title.objects.bulk_create([
        Title(primary_title=f"Bench film {i}", search_title=normalize(f"Bench film {i}"),
              start_year=1950 + rng.randrange(75), netflix_id=i + 1) for i in range(n_titles)], batch_size=2000)
    pw = make_password(None)
    User.objects.bulk_create([User(username=f"bench-{i}", password=pw) for i in range(n_viewers)], batch_size=2000)
    users = list(User.objects.filter(username__startswith="bench-").values_list("id", flat=True))
    Profile.objects.bulk_create([Profile(user_id=u) for u in users], batch_size=2000)
    Token.objects.bulk_create([Token(user_id=u, key=Token.generate_key()) for u in users], batch_size=2000)
    data = {
        "titles": list(Title.objects.values_list("id", flat=True)),
        "viewers": [[u, k] for u, k in Token.objects.filter(user_id__in=users).values_list("user_id", "key")],
        "service_token": service_token_create(name="bench-feed"),
    }
    Path(path).write_text(json.dumps(data))


def db_event_count():
    import psycopg2

    conn = psycopg2.connect(dbname=DB_NAME, **PG)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM interactions_event")
        n = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM interactions_interaction")
        m = cur.fetchone()[0]
    conn.close()
    return n, m


class CpuMeter(common.CpuMeter):
    def __init__(self, master_pid):
        super().__init__(master_pid, DB_NAME)


# --- load generation ----------------------------------------------------------------------------
def _event_json(rng, title_ids, user_id=None, kinds=KINDS):
    kind = rng.choice(kinds)
    value = f', "value": {rng.randint(1, 10) / 2}' if kind == "rating" else ""
    user = f', "user_id": {user_id}' if user_id is not None else ""
    return (f'{{"event_id": "{uuid.uuid4()}", "title_id": {rng.choice(title_ids)}, "kind": "{kind}"'
            f'{value}{user}}}')


def _client_proc(proc_no, mode, port, data, threads, batch, start_at, stop_at, warm_until, out):
    rng_seed = 1000 + proc_no
    title_ids = data["titles"]
    viewers = data["viewers"]
    results = []

    def run(tno):
        rng = random.Random(rng_seed * 100 + tno)
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        lat, events, accepted, stored, dups, errors, reconnects = [], 0, 0, 0, 0, 0, 0
        while time.time() < start_at:
            time.sleep(0.001)
        while True:
            now = time.time()
            if now >= stop_at:
                break
            if mode == "baseline":  # GET /healthz: Django + one query, no DRF, no write
                key, body, n = None, None, 0
            elif mode == "single":
                uid, key = viewers[rng.randrange(len(viewers))]
                body = _event_json(rng, title_ids)
                n = 1
            else:
                key = data["service_token"]
                kinds = STREAM_KINDS if mode == "batched-stream" else KINDS
                users = [viewers[rng.randrange(len(viewers))][0] for _ in range(max(1, batch // 5))]
                body = "[" + ", ".join(_event_json(rng, title_ids, rng.choice(users), kinds) for _ in range(batch)) + "]"
                n = batch
            headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}
            t0 = time.perf_counter()
            try:
                if body is None:
                    conn.request("GET", "/healthz")
                else:
                    conn.request("POST", "/api/events/", body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = HTTPConnection("127.0.0.1", port, timeout=60)
                    reconnects += 1
            except (OSError, ConnectionError):
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=60)
                errors += 1
                continue
            dt = time.perf_counter() - t0
            measured = t0 >= 0 and now >= warm_until
            if 200 <= status < 300 and body is None:
                if measured:
                    lat.append(dt)
            elif 200 <= status < 300:
                res = json.loads(payload)
                stored += res["stored"]  # counted during warm-up too: the DB check needs every one
                dups += res["duplicates"]
                if measured:
                    accepted += n
                    lat.append(dt)
            else:
                errors += 1
            if measured:
                events += n
        conn.close()
        results.append({"lat": lat, "events": events, "accepted": accepted, "stored": stored, "dups": dups,
                        "errors": errors, "reconnects": reconnects})

    import resource

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    results[0]["client_cpu_s"] = ru.ru_utime + ru.ru_stime
    out.put(results)


def run_mode(mode, *, port, data, procs, threads, batch, warmup, duration, meter=None):
    results, cpu = common.run_clients(
        _client_proc, lambda i, start_at, stop_at, warm_until, out: (i, mode, port, data, threads, batch, start_at,
                                                                    stop_at, warm_until, out),
        procs=procs, warmup=warmup, duration=duration, meter=meter)
    lat = sorted(x for r in results for x in r["lat"])
    accepted = sum(r["accepted"] for r in results)
    web_cpu, pg_cpu = cpu if cpu is not None else (float("nan"), float("nan"))
    nreq = max(1, len(lat))

    def pct(q):
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")

    return {
        "mode": mode, "batch": {"single": 1, "baseline": 0}.get(mode, batch), "procs": procs, "threads": threads,
        "requests": len(lat), "events_per_s": accepted / duration, "requests_per_s": len(lat) / duration,
        "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
        "errors": sum(r["errors"] for r in results), "reconnects": sum(r["reconnects"] for r in results),
        "stored_total": sum(r["stored"] for r in results), "duplicates_total": sum(r["dups"] for r in results),
        "web_cpu_ms_per_req": web_cpu * 1000 / nreq, "pg_cpu_ms_per_req": pg_cpu * 1000 / nreq,
        "client_cpu_s": sum(r.get("client_cpu_s", 0.0) for r in results),
    }


free_port, stop, flush_redis = common.free_port, common.stop, common.flush_redis


def start_gunicorn(args, env, port, log_path):
    return common.start_gunicorn(env=env, port=port, log_path=log_path, workers=args.workers,
                                 worker_class=args.worker_class, threads=args.server_threads,
                                 access_log=args.access_log)


# --- report ----------------------------------------------------------------------------------------
def report(args, results, counts, started, loads):
    lines = [
        "## Ingestion (POST /api/events/)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {machine()}. Load average (1 min) before the run "
        f"{loads[0]:.1f}, after {loads[1]:.1f} — anything above ~0.5 means other work shared the 2 cores.",
        "",
        f"`python -m benchmarks.ingestion` — PostgreSQL 127.0.0.1 (`{DB_NAME}`, default durability: "
        f"`synchronous_commit=on`), gunicorn {args.workers} workers (`{args.worker_class}`"
        + (f", {args.server_threads} threads" if args.worker_class == "gthread" else "")
        + "), `netfloox.settings.base`, DJANGO_DEBUG=0, Redis as cache + Celery broker (no worker running). "
        f"Seeded {args.titles} titles, {args.viewers} viewers with tokens. Event mix: "
        + ", ".join(f"{k} {w}%" for k, w in MIX) + " (`batched-stream`: `play` only, like the stream consumer). "
        f"Load from {args.procs} client processes × {args.threads} threads (stdlib http.client, keep-alive) "
        f"on the same machine; {args.warmup:.0f} s warm-up, {args.duration:.0f} s measured per mode.",
        "",
        "| mode | events/request | requests/s | events/s | p50 ms | p90 ms | p99 ms | errors | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    targets = {"single": 1000, "batched": 20000, "batched-stream": 20000}
    for r in results:
        if r["mode"] == "baseline":
            lines.append(f"| baseline: GET /healthz | – | {r['requests_per_s']:,.0f} | – | {r['p50_ms']:.1f} | "
                         f"{r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | (machine state) |")
            continue
        t = targets[r["mode"]]
        ok = "met" if r["events_per_s"] >= t else "**missed**"
        lines.append(f"| {r['mode']} | {r['batch']} | {r['requests_per_s']:,.0f} | {r['events_per_s']:,.0f} | "
                     f"{r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | "
                     f"≥ {t:,}/s {ok} |")
    lines += [
        "",
        "Server CPU per request over the measured window (gunicorn workers; the bench database's PostgreSQL "
        "backends, WAL writer and checkpointer excluded) — unlike requests/s, this depends much less on what else "
        "runs on the machine (contention still inflates it somewhat: compare the baseline row across runs). "
        "*Capacity* = 2 cores ÷ (web + database CPU per request): what these two "
        "processes could serve on an otherwise idle 2-core machine with the load generator elsewhere.",
        "",
        "| mode | web CPU ms/request | PostgreSQL CPU ms/request | capacity requests/s | capacity events/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        per = r["web_cpu_ms_per_req"] + r["pg_cpu_ms_per_req"]
        cap = 2000.0 / per if per > 0 else float("nan")
        ev = "–" if r["mode"] == "baseline" else f"{cap * r['batch']:,.0f}"
        lines.append(f"| {r['mode']} | {r['web_cpu_ms_per_req']:.2f} | {r['pg_cpu_ms_per_req']:.2f} | "
                     f"{cap:,.0f} | {ev} |")
    stored = sum(r["stored_total"] for r in results)
    lines += [
        "",
        f"Durability check: the clients were told {stored:,} events were stored; the database holds "
        f"{counts[0]:,} events ({counts[1]:,} aggregates) — "
        + ("**every accepted event is there**." if counts[0] == stored else "**MISMATCH**.")
        + " Latencies are per request, as seen by the client (queueing included).",
        "",
    ]
    lines += [
        "How to read this: when the load average is high, requests/s measures the contention; the CPU table "
        "does not. Where the CPU goes (framework vs ingestion code, the per-viewer refresh requests of "
        "`batched`) and what was optimised: docs/interactions.md, section Performance.",
        "",
    ]
    if args.notes:
        lines += [args.notes, ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks-ingestion.md")
    ap.add_argument("--duration", type=float, default=15.0, help="measured seconds per mode")
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--procs", type=int, default=3, help="client processes")
    ap.add_argument("--threads", type=int, default=8, help="threads (connections) per client process (single)")
    ap.add_argument("--batch-threads", type=int, default=2, help="threads per client process (batched)")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    ap.add_argument("--server-threads", type=int, default=4)
    ap.add_argument("--titles", type=int, default=5000)
    ap.add_argument("--viewers", type=int, default=2000)
    ap.add_argument("--redis-db", type=int, default=12)
    ap.add_argument("--modes", nargs="*", default=["baseline", "single", "batched", "batched-stream"],
                    choices=["baseline", "single", "batched", "batched-stream"])
    ap.add_argument("--keep-db", action="store_true", help="reuse the seeded database")
    ap.add_argument("--access-log", action="store_true")
    ap.add_argument("--notes", default="")
    ap.add_argument("--seed-into", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.seed_into:  # internal: run inside the bench database's environment
        seed(args.seed_into, args.titles, args.viewers)
        return 0

    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    env = server_env(args)
    data_file = Path(tempfile.gettempdir()) / f"{DB_NAME}.json"
    if not (args.keep_db and data_file.exists()):
        print(f"creating {DB_NAME} …", flush=True)
        recreate_database()
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
        subprocess.run([sys.executable, "-m", "benchmarks.ingestion", "--seed-into", str(data_file),
                        "--titles", str(args.titles), "--viewers", str(args.viewers)], cwd=REPO, env=env, check=True)
    data = json.loads(data_file.read_text())
    flush_redis(args.redis_db)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / "netfloox-bench-ingest-gunicorn.log"
    server = start_gunicorn(args, env, port, log_path)
    before = db_event_count()
    results = []
    try:
        for mode in args.modes:
            threads = args.batch_threads if mode.startswith("batched") else args.threads
            print(f"{mode}: {args.procs} procs × {threads} threads, {args.duration:.0f} s …", flush=True)
            r = run_mode(mode, port=port, data=data, procs=args.procs, threads=threads, batch=args.batch,
                         warmup=args.warmup, duration=args.duration, meter=CpuMeter(server.pid))
            print(json.dumps(r), flush=True)
            results.append(r)
    finally:
        stop(server)
        flush_redis(args.redis_db)
    after = db_event_count()
    counts = (after[0] - before[0], after[1])
    text = report(args, results, counts, started, (load_before, os.getloadavg()[0]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0 if counts[0] == sum(r["stored_total"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
