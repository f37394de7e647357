"""The two hand-written replacements of DRF parts, against the DRF classes they replace.

    python -m benchmarks.auth_throttle --out docs/benchmarks-auth_throttle.md

In one process on PostgreSQL and Redis (a bench database `netfloox_bench_auth` and a Redis key
prefix of this run's own), the same work done by:

* token authentication: DRF's `TokenAuthentication.authenticate_credentials` (an ORM
  `select_related` query per request) and `core.api.authentication.TokenAuthentication` (one
  pre-built statement);
* the per-user rate limit: DRF's `UserRateThrottle` (the client's request-time list, read and
  rewritten per request) and `core.api.throttling.WindowUserRateThrottle` (one pipelined INCR).

Reported: the web process's CPU per call (`time.process_time`, what limits a gunicorn worker)
and the wall time per call (which includes the database / Redis round trip). Interleaved
repetitions; the median of 5 is kept.
"""
import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from benchmarks import common

DB = "netfloox_bench_auth"


def _measure(fn, n):
    fn()
    c, t = time.process_time(), time.perf_counter()
    for _ in range(n):
        fn()
    return (time.process_time() - c) / n * 1e6, (time.perf_counter() - t) / n * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=common.REPO / "docs" / "benchmarks-auth_throttle.md")
    ap.add_argument("--calls", type=int, default=3000)
    a = ap.parse_args()
    started = datetime.datetime.now(datetime.UTC)
    common.recreate_database(DB)
    prefix = f"bench-auth:{uuid.uuid4().hex[:8]}:"
    env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
               REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"), REDIS_KEY_PREFIX=prefix,
               DJANGO_SETTINGS_MODULE="netfloox.settings.base")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=common.REPO, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authentication import TokenAuthentication as DrfToken
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIRequestFactory
    from rest_framework.throttling import UserRateThrottle as DrfThrottle

    from core.api.authentication import TokenAuthentication as OurToken
    from core.api.throttling import WindowUserRateThrottle as OurThrottle

    user = get_user_model().objects.create_user("bench-auth", password="x-Passw0rd!")
    key = Token.objects.create(user=user).key
    request = APIRequestFactory().get("/api/recommendations/")
    request.user = user

    class Drf(DrfThrottle):
        rate = "100000000/minute"

    class Ours(OurThrottle):
        rate = "100000000/minute"

    cases = {
        "token authentication — DRF TokenAuthentication": lambda: DrfToken().authenticate_credentials(key),
        "token authentication — core.api.authentication": lambda: OurToken().authenticate_credentials(key),
        "user throttle — DRF UserRateThrottle (history list)": lambda: Drf().allow_request(request, None),
        "user throttle — core.api.throttling (fixed window)": lambda: Ours().allow_request(request, None),
    }
    runs = {name: [] for name in cases}
    for _ in range(5):
        for name, fn in cases.items():
            runs[name].append(_measure(fn, a.calls))
    rows = {name: (statistics.median(c for c, _ in r), statistics.median(w for _, w in r)) for name, r in runs.items()}
    names = list(rows)
    lines = [
        "## Token authentication and the user throttle: the hand-written parts against DRF's",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {common.machine()}; load average (1 min) at the end "
        f"{os.getloadavg()[0]:.1f}. `python -m benchmarks.auth_throttle`: {a.calls:,} calls per repetition, "
        "median of 5 interleaved repetitions, PostgreSQL and Redis on 127.0.0.1, one process.",
        "",
        "| what | web-process CPU per call | wall per call | ratio (CPU, DRF ÷ ours) |",
        "|---|---:|---:|---:|",
    ]
    for i, name in enumerate(names):
        cpu, wall = rows[name]
        ratio = ""
        if i % 2 == 1:
            ratio = f"{rows[names[i - 1]][0] / cpu:.1f}×"
        lines.append(f"| {name} | {cpu:,.0f} µs | {wall:,.0f} µs | {ratio} |")
    lines += ["", "The DRF throttle's cost grows with the client's request rate (its history list holds every request "
              "time of the window: here up to the calls made in the last minute); the fixed window's does not.", ""]
    a.out.write_text("\n".join(lines))
    print("\n".join(lines))
    from django.db import connections

    connections.close_all()
    common.drop_database(DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
