"""Analytics dashboard benchmark: time to first byte, cold and warm, on a 100,000-title catalog.

    python -m benchmarks.analytics --out docs/benchmarks-analytics.md [--titles 100000] [--no-imdb]

Creates (drops first) the PostgreSQL database `netfloox_bench_analytics`, migrates it, fills it
with a synthetic catalog (titles, people, credits, genres, countries, TMDB money fields) and a
viewing log (events, recommendation snapshots, model versions) through COPY, serves the project
with gunicorn (2 workers, DEBUG off, Redis cache db 13) and measures the time to first byte of
the dashboard and of every JSON endpoint: cold (analytics cache invalidated before each request)
and warm. Then it runs the same on the real IMDb sample
(`../shared/datasets/imdb/first-50k-rows`) when present.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import http.client
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB_NAME = "netfloox_bench_analytics"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = os.environ.get("NETFLOOX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
IMDB_SAMPLE = REPO.parent / "shared" / "datasets" / "imdb" / "first-50k-rows"
TARGET_WARM_MS, TARGET_COLD_MS = 500, 3000
def env_for_django():
    return dict(os.environ, DATABASE_URL=f"{PG}/{DB_NAME}", REDIS_URL=REDIS_URL, DJANGO_DEBUG="0",
                DJANGO_SETTINGS_MODULE="netfloox.settings.base", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
                CELERY_TASK_ALWAYS_EAGER="1", DJANGO_LOG_LEVEL="WARNING", OPENBLAS_NUM_THREADS="1",
                OMP_NUM_THREADS="1",
                # the benchmark measures the dashboard, not the rate limits (120 anonymous requests/min)
                API_THROTTLE_ANON="100000000/minute", API_THROTTLE_USER="100000000/minute")


def inline_budget_s():
    from analytics.views import inline_budget_s as budget

    return budget()


def recreate_database():
    from benchmarks import common

    common.recreate_database(DB_NAME)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env_for_django(),
                   check=True)


def setup_django():
    os.environ.update(env_for_django())
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- data -------------------------------------------------------------------------------------------

def _copy(model, rows, columns):
    """COPY rows (tuples in `columns` order) into the model's table; other fields take their defaults."""
    from django.db import connection

    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    extra = [a for a, f in fields.items() if a not in columns]
    defaults = []
    for a in extra:
        f = fields[a]
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append(dt.datetime.now(dt.UTC).isoformat())
        elif f.has_default():
            v = f.get_default()
            defaults.append(json.dumps(v) if isinstance(v, dict | list) else v)
        elif f.null:
            defaults.append(None)
        else:
            defaults.append("")
    cols = list(columns) + extra

    def cell(v):
        if v is None:
            return "\\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        s = str(v)
        return s.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")

    buf = io.StringIO()
    n = 0
    for r in rows:
        buf.write("\t".join(cell(v) for v in (*r, *defaults)) + "\n")
        n += 1
    buf.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(cols)}) FROM STDIN", buf)
    return n


def generate(n_titles: int, seed: int = 42) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from catalog.models import Country, Credit, Genre, Person, Title
    from catalog.text import normalize
    from core.models import ModelVersion
    from interactions.models import Event
    from recommendations.models import RecommendationSnapshot

    rnd = random.Random(seed)
    t0 = time.perf_counter()
    genre_names = ["Drama", "Comedy", "Action", "Thriller", "Romance", "Crime", "Horror", "Sci-Fi", "Adventure",
                   "Animation", "Documentary", "Fantasy", "Family", "Mystery", "Biography", "History", "War",
                   "Music", "Western", "Sport", "Musical", "Film-Noir", "News", "Reality-TV", "Talk-Show"]
    Genre.objects.bulk_create([Genre(name=g, slug=g.lower()) for g in genre_names])
    Country.objects.bulk_create([Country(code=f"C{i:02d}", name=f"Country {i:02d}") for i in range(40)])
    genre_ids = list(Genre.objects.values_list("id", flat=True))
    country_ids = list(Country.objects.values_list("id", flat=True))
    types = ["movie"] * 55 + ["tvSeries"] * 10 + ["tvMiniSeries"] * 4 + ["short"] * 12 + ["tvMovie"] * 6 \
        + ["tvEpisode"] * 10 + ["video"] * 3
    words = ["Night", "River", "Silent", "Echo", "Crimson", "Winter", "Lost", "Golden", "Last", "City", "Dream",
             "Shadow", "Storm", "Paper", "Glass", "Wild", "Broken", "Hidden", "Blue", "Iron"]

    def titles():
        for i in range(n_titles):
            kind = types[rnd.randrange(len(types))]
            year = None if rnd.random() < 0.03 else max(1894, 2024 - int(abs(rnd.gauss(0, 30))))
            runtime = None if rnd.random() < 0.2 else max(1, int(rnd.gauss(95 if kind in ("movie", "tvMovie") else 30, 20)))
            votes = int(rnd.lognormvariate(5, 2)) + 5 if rnd.random() < 0.7 else None
            rating = round(min(10, max(1, rnd.gauss(6.3, 1.2))), 1) if votes else None
            money = kind == "movie" and year and year > 1960 and rnd.random() < 0.08
            budget = int(rnd.lognormvariate(16, 1.2)) if money else None
            revenue = int(budget * rnd.lognormvariate(0.5, 1.1)) if money else None
            name = f"{words[i % 20]} {words[(i // 20) % 20]} {i}"
            yield (kind, name, normalize(name), year, runtime, False, f"tt{i:08d}", rating, votes, budget, revenue)

    n = _copy(Title, titles(), ["title_type", "primary_title", "search_title", "start_year", "runtime_minutes",
                                "is_adult", "imdb_id", "imdb_rating", "imdb_votes", "budget", "revenue"])
    lo = Title.objects.order_by("id").values_list("id", flat=True).first()
    ids = list(range(lo, lo + n))
    G, C = Title.genres.through, Title.countries.through
    _copy(G, ((t, g) for t in ids for g in rnd.sample(genre_ids, rnd.choice((1, 1, 2, 2, 3)))), ["title_id", "genre_id"])
    _copy(C, ((t, country_ids[min(int(rnd.expovariate(0.25)), 39)]) for t in ids), ["title_id", "country_id"])

    n_people = n_titles * 6 // 10
    _copy(Person, ((f"Person {i}", f"person {i}", f"nm{i:08d}",
                    None if rnd.random() < 0.25 else rnd.randint(1860, 2010)) for i in range(n_people)),
          ["name", "search_name", "imdb_id", "birth_year"])
    plo = Person.objects.order_by("id").values_list("id", flat=True).first()
    weights = [1.0 / (1 + k) ** 0.9 for k in range(n_people)]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)

    def credits():
        for t in ids:
            chosen = set()
            for _ in range(4):
                k = rnd.choices(range(n_people), cum_weights=cum)[0] if rnd.random() < 0.5 else rnd.randrange(n_people)
                if k in chosen:
                    continue
                chosen.add(k)
                yield (t, plo + k, "actress" if k % 2 else "actor", len(chosen))
            d = rnd.randrange(n_people)
            if d not in chosen:
                yield (t, plo + d, "director", 9)

    n_credits = _copy(Credit, credits(), ["title_id", "person_id", "category", "ordering"])

    User = get_user_model()
    n_users = 2000
    _copy(User, ((f"bench{i}", "!", False, False, True, dt.datetime.now(dt.UTC).isoformat(), "", "", "")
                 for i in range(n_users)),
          ["username", "password", "is_superuser", "is_staff", "is_active", "date_joined", "first_name",
           "last_name", "email"])
    ulo = User.objects.filter(username="bench0").values_list("id", flat=True).first()
    now = dt.datetime.now(dt.UTC)
    hot = ids[:5000]

    def events():
        for _ in range(60_000):
            u, t = ulo + rnd.randrange(n_users), hot[int(rnd.expovariate(1 / 800)) % len(hot)]
            ts = now - dt.timedelta(minutes=rnd.randrange(30 * 24 * 60))
            seq = ["thumbnail_click", "play"] + (["full_watch"] if rnd.random() < 0.5 else ["close"])
            for j, kind in enumerate(seq):
                yield (str(uuid.uuid4()), u, t, kind, (ts + dt.timedelta(minutes=30 * j)).isoformat(), "web")

    n_events = _copy(Event, events(), ["event_id", "user_id", "title_id", "kind", "server_ts", "source"])
    _copy(RecommendationSnapshot, ((ulo + i % n_users, ("top_picks", "because_watched", "fallback")[i % 3],
                                    json.dumps([{"title_id": hot[rnd.randrange(len(hot))], "score": 1.0}
                                                for _ in range(20)]),
                                    (now - dt.timedelta(hours=rnd.randrange(30 * 24))).isoformat())
                                   for i in range(6000)), ["user_id", "reason", "items", "created_at"])
    for i in range(1, 9):
        ModelVersion.objects.create(name="recommender", version=f"b{i}", status="retired",
                                    metrics={"ndcg@10": 0.1 + 0.02 * i, "recall@10": 0.2 + 0.02 * i})
        ModelVersion.objects.create(name="popularity", version=f"p{i}", status="retired",
                                    metrics={"r2": 0.3 + 0.03 * i, "rmse": 1.2 - 0.05 * i})
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # as autovacuum would soon; not measured while it runs
    return {"titles": n, "people": n_people, "credits": n_credits, "events": n_events, "snapshots": 6000,
            "seconds": time.perf_counter() - t0}


def bulk_events(n_events: int, *, years: int = 6, chunk: int = 10_000_000) -> dict:
    """Add `n_events` viewing events generated by PostgreSQL itself (INSERT … SELECT from
    generate_series, `chunk` rows per statement): the same viewers and Zipf-like hot titles as
    `generate`, times spread evenly over the last `years` years in arrival order, as an event log
    grows (so a 30-day window holds ≈ n / (12 × years) events, stored together). The secondary indexes are dropped during the load and rebuilt after
    (as a bulk load would), event ids are sequential UUIDs, and foreign-key triggers are off for the
    load (`session_replication_role = replica`): the generated ids are valid by construction."""
    from django.db import connection

    from interactions.models import Event

    table = Event._meta.db_table
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT MIN(id), COUNT(*) FROM auth_user WHERE username LIKE 'bench%%'")
        ulo, n_users = cur.fetchone()
        cur.execute("SELECT id FROM catalog_title ORDER BY id LIMIT 5000")
        hot = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM " + table)
        base = cur.fetchone()[0] + 1
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)", [table, table])
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")
        done = 0
        while done < n_events:
            m = min(chunk, n_events - done)
            cur.execute(f"""
                INSERT INTO {table} (event_id, user_id, title_id, kind, server_ts, source)
                SELECT lpad(to_hex(%(base)s + g), 32, '0')::uuid,
                       %(ulo)s + (random() * (%(n_users)s - 1))::int,
                       (%(hot)s::int[])[1 + (floor(-ln(1 - random()) * 800)::int %% %(n_hot)s)],
                       (ARRAY['thumbnail_click', 'play', 'full_watch', 'skip', 'close'])[1 + floor(random() * 5)::int],
                       now() - interval '{int(years)} years' * (1 - g::float8 / %(n)s) - random() * interval '1 hour',
                       'web'
                FROM generate_series(%(lo)s, %(hi)s) g""",
                        {"base": base, "ulo": ulo, "n_users": n_users, "hot": hot, "n_hot": len(hot),
                         "lo": done, "hi": done + m - 1, "n": n_events})
            done += m
            print(f"   {done:,} / {n_events:,} events ({time.perf_counter() - t0:.0f} s)", flush=True)
        cur.execute("SET session_replication_role = DEFAULT")
        t_load = time.perf_counter() - t0
        for _, definition in indexes:
            cur.execute(definition)
        cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute("SELECT pg_total_relation_size(%s)", [table])
        size = cur.fetchone()[0]
    return {"events": n_events, "load_s": t_load, "seconds": time.perf_counter() - t0, "table_bytes": size}


def existing_counts(n_bulk: int) -> tuple[dict, dict | None]:
    """The counts `generate` and `bulk_events` reported, read back from a generated database."""
    from django.db import connection

    with connection.cursor() as cur:
        def one(sql):
            cur.execute(sql)
            return cur.fetchone()[0]
        counts = {"titles": one("SELECT count(*) FROM catalog_title"), "people": one("SELECT count(*) FROM catalog_person"),
                  "credits": one("SELECT count(*) FROM catalog_credit"),
                  "events": one("SELECT count(*) FROM interactions_event"),
                  "snapshots": one("SELECT count(*) FROM recommendations_recommendationsnapshot"), "seconds": 0.0}
        bulk = None
        if n_bulk:
            bulk = {"events": n_bulk, "seconds": 0.0,
                    "table_bytes": one("SELECT pg_total_relation_size('interactions_event')")}
    return counts, bulk


def load_imdb_sample() -> dict:
    """The real IMDb sample through the catalog importer (or a minimal loader if it is not usable)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE catalog_title, catalog_person, catalog_genre, catalog_country CASCADE")
    t0 = time.perf_counter()
    how = None
    try:
        from datasets.services.importers.imdb import imdb_import

        run = imdb_import(directory=IMDB_SAMPLE)
        how = f"datasets.services.importers.imdb.imdb_import (ImportRun #{run.pk}, status {run.status})"
    except Exception as exc:  # the importer is another engineer's work in progress
        how = f"minimal loader in benchmarks/analytics.py (importer unusable: {type(exc).__name__}: {exc})"
        _minimal_imdb_loader(IMDB_SAMPLE)
    from catalog.models import Credit, Person, Title

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return {"how": how, "seconds": time.perf_counter() - t0, "titles": Title.objects.count(),
            "people": Person.objects.count(), "credits": Credit.objects.count()}


def _minimal_imdb_loader(folder: Path):
    import csv
    import gzip

    from catalog.models import Credit, Genre, Person, Title
    from catalog.text import normalize

    csv.field_size_limit(10**7)

    def rows(name):
        with gzip.open(folder / name, "rt", encoding="utf-8") as fh:
            r = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(r)
            yield from r

    def n(v):
        return None if v == "\\N" else v

    ratings = {r[0]: (r[1], r[2]) for r in rows("title.ratings.tsv.gz")}
    basics = list(rows("title.basics.tsv.gz"))
    valid_types = set(dict(Title._meta.get_field("title_type").choices))
    _copy(Title, ((b[1] if b[1] in valid_types else "movie", b[2][:500], normalize(b[2])[:500], n(b[5]),
                   n(b[7]) if n(b[7]) and b[7].isdigit() else None, b[4] == "1", b[0],
                   ratings.get(b[0], (None, None))[0], ratings.get(b[0], (None, None))[1]) for b in basics),
          ["title_type", "primary_title", "search_title", "start_year", "runtime_minutes", "is_adult", "imdb_id",
           "imdb_rating", "imdb_votes"])
    tid = dict(Title.objects.values_list("imdb_id", "id"))
    names = {g for b in basics for g in (n(b[8]) or "").split(",") if g}
    Genre.objects.bulk_create([Genre(name=g, slug=g.lower()) for g in sorted(names)])
    gid = dict(Genre.objects.values_list("name", "id"))
    _copy(Title.genres.through, ((tid[b[0]], gid[g]) for b in basics for g in (n(b[8]) or "").split(",") if g),
          ["title_id", "genre_id"])
    _copy(Person, ((p[1][:255], normalize(p[1])[:255], p[0], n(p[2]), n(p[3])) for p in rows("name.basics.tsv.gz")),
          ["name", "search_name", "imdb_id", "birth_year", "death_year"])
    pid = dict(Person.objects.values_list("imdb_id", "id"))
    cats = set(dict(Credit._meta.get_field("category").choices))
    seen = set()

    def credits():
        for r in rows("title.principals.tsv.gz"):
            t, p = tid.get(r[0]), pid.get(r[2])
            cat = r[3] if r[3] in cats else "other"
            if t and p and (t, p, cat) not in seen:
                seen.add((t, p, cat))
                yield (t, p, cat, int(r[1]))

    _copy(Credit, credits(), ["title_id", "person_id", "category", "ordering"])


# --- measuring --------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "netfloox.wsgi", "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--log-level", "warning"], cwd=REPO, env=env_for_django())
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def fetch(self, path, cookie=None):
        """(seconds to first byte, seconds to the full body, body, status)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": cookie} if cookie else {}
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        first = time.perf_counter() - t0
        body = resp.read()
        total = time.perf_counter() - t0
        conn.close()
        return first, total, body, resp.status

    def ttfb(self, path, cookie=None):
        first, _, body, status = self.fetch(path, cookie)
        return first, len(body), status

    def page_complete(self, path, cookie=None):
        """A browser's view: the page, then every chart it left pending, fetched 6 at a time in the
        page's fetch order (costliest first)."""
        import re
        from concurrent.futures import ThreadPoolExecutor

        t0 = time.perf_counter()
        first, _, body, status = self.fetch(path, cookie)
        found = re.findall(r'data-src="([^"]+)" data-fetch-order="(\d+)"', body.decode())
        srcs = [html.unescape(u) for u, _ in sorted(found, key=lambda m: int(m[1]))]  # as dashboard.js does
        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(lambda u: self.fetch(u, cookie)[3], srcs))
        assert all(st == 200 for st in statuses), statuses
        return first, time.perf_counter() - t0, len(srcs), status

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def staff_cookie():
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    user.is_staff = True
    user.set_password("bench-Passw0rd")
    user.save()
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"


def measure(server, targets, *, cold_runs=3, warm_runs=10):
    from analytics.services import analytics_cache_invalidate

    out = []
    for label, path, cookie in targets:
        cold, warm, complete, pending, size, status = [], [], [], [], 0, None
        page = path.startswith("/analytics/")
        for _ in range(cold_runs):
            analytics_cache_invalidate()
            if page:
                t, full, n_pending, status = server.page_complete(path, cookie)
                complete.append(full)
                pending.append(n_pending)
            else:
                t, size, status = server.ttfb(path, cookie)
            cold.append(t)
        for _ in range(warm_runs):
            t, size, status = server.ttfb(path, cookie)
            warm.append(t)
        row = {"label": label, "path": path, "status": status, "bytes": size,
               "cold_ms": statistics.median(cold) * 1000, "cold_max_ms": max(cold) * 1000,
               "warm_ms": statistics.median(warm) * 1000,
               "warm_p90_ms": sorted(warm)[int(0.9 * (len(warm) - 1))] * 1000,
               "complete_ms": statistics.median(complete) * 1000 if complete else None,
               "pending": max(pending) if pending else None}
        out.append(row)
        extra = (f"  all charts {row['complete_ms']:6.0f} ms ({row['pending']} fetched after the page)"
                 if complete else "")
        print(f"  {label:<44} cold {row['cold_ms']:7.0f} ms   warm {row['warm_ms']:6.1f} ms  "
              f"({status}, {size / 1024:.0f} KiB){extra}", flush=True)
    return out


def targets(cookie):
    from analytics.kpis import KPIS

    t = [("dashboard (anonymous: catalog)", "/analytics/", None),
         ("dashboard (staff: catalog + viewing)", "/analytics/", cookie),
         ("dashboard filtered (movie, drama, 1990–2010)", "/analytics/?type=movie&genre=drama&year_min=1990"
                                                          "&year_max=2010", cookie)]
    for slug, k in KPIS.items():
        t.append((f"API {k.section}/{slug}", f"/api/analytics/{k.section}/{slug}/",
                  cookie if k.section == "viewing" else None))
    return t


def kpi_compute_times(filters_list):
    """In-process cold compute time of each KPI (no cache), to see which one dominates."""
    from analytics.kpis import KPIS, _compute

    res = {}
    for slug, k in KPIS.items():
        f = filters_list[k.section]
        t0 = time.perf_counter()
        _compute(k, f, {})
        res[slug] = (time.perf_counter() - t0) * 1000
    return res


def table(rows):
    lines = ["| request | status | size (warm) | cold TTFB (median / max of 3) | cold: page + pending charts loaded "
             "| warm TTFB (median / p90 of 10) |", "|---|---|---|---|---|---|"]
    for r in rows:
        served = r["status"] == 200  # an error page is fast and proves nothing
        ok_c = "✅" if served and r["cold_ms"] <= TARGET_COLD_MS else "❌"
        ok_w = "✅" if served and r["warm_ms"] <= TARGET_WARM_MS else "❌"
        full = (f"{'✅' if r['complete_ms'] <= TARGET_COLD_MS else '❌'} {r['complete_ms']:.0f} ms "
                f"({r['pending']} charts fetched by the page)" if r["complete_ms"] is not None else "—")
        lines.append(f"| {r['label']} | {r['status']} | {r['bytes'] / 1024:.0f} KiB | {ok_c} {r['cold_ms']:.0f} / "
                     f"{r['cold_max_ms']:.0f} ms | {full} | {ok_w} {r['warm_ms']:.1f} / {r['warm_p90_ms']:.1f} ms |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks-analytics.md"))
    ap.add_argument("--titles", type=int, default=100_000)
    ap.add_argument("--no-imdb", action="store_true", help="skip the real IMDb sample run")
    ap.add_argument("--events", type=int, default=0,
                    help="add this many events generated by PostgreSQL (e.g. 100000000), in its own database")
    ap.add_argument("--no-rollup", action="store_true",
                    help="measure without the closed-day roll-up (analytics.services.viewing_days_rollup)")
    ap.add_argument("--reuse", action="store_true",
                    help="measure on the database an earlier run with the same --events generated (migrated first)")
    a = ap.parse_args()
    global DB_NAME
    if a.events:
        DB_NAME = f"{DB_NAME}_{a.events}"

    from benchmarks.run import machine

    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()
    if a.reuse:  # measure again on the database an earlier run generated (after migrating it)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env_for_django(),
                       check=True)
        setup_django()
        counts, bulk = existing_counts(a.events)
    else:
        print(f"== recreating {DB_NAME} and migrating", flush=True)
        recreate_database()
        setup_django()
        print(f"== generating {a.titles:,} titles (COPY)", flush=True)
        counts = generate(a.titles)
        bulk = None
        if a.events:
            print(f"== adding {a.events:,} events (INSERT … SELECT in PostgreSQL)", flush=True)
            bulk = bulk_events(a.events)
            counts["events"] += bulk["events"]
            print(f"   {bulk}", flush=True)
    from django.db import connection

    from analytics.filters import CatalogFilters, ViewingFilters

    rollup = None
    if not a.no_rollup:  # what beat does hourly (`analytics.tasks.rollup_viewing_days`), before the measure
        from analytics.services import viewing_days_rollup

        t = time.perf_counter()
        rollup = {"days": viewing_days_rollup(), "seconds": time.perf_counter() - t}
        print(f"== roll-up of the closed days: {rollup}", flush=True)
    cookie = staff_cookie()
    fl = {"catalog": CatalogFilters(), "viewing": ViewingFilters()}
    compute = kpi_compute_times(fl)
    server = Server()
    try:
        server.ttfb("/healthz")
        print("== measuring", flush=True)
        base = measure(server, targets(cookie))
    finally:
        server.stop()

    imdb = None
    if not a.no_imdb and IMDB_SAMPLE.exists():
        print(f"== loading the IMDb sample {IMDB_SAMPLE}", flush=True)
        imdb = load_imdb_sample()
        print(f"   {imdb}", flush=True)
        server = Server()
        try:
            server.ttfb("/healthz")
            imdb["rows"] = measure(server, targets(cookie)[:3] + [t for t in targets(cookie) if "catalog/" in t[1]],
                                   cold_runs=2, warm_runs=5)
        finally:
            server.stop()

    lines = [
        "## analytics",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {machine()}; PostgreSQL "
        f"{connection.cursor().connection.server_version // 10000}.{connection.cursor().connection.server_version % 100}, Redis cache ({REDIS_URL}), gunicorn 2 sync "
        "workers, DEBUG off. `python -m benchmarks.analytics --out docs/benchmarks-analytics.md`.",
        "",
        f"Synthetic catalog: {counts['titles']:,} titles, {counts['people']:,} people, {counts['credits']:,} credits "
        f"(4 cast + 1 director per title, Zipf-like fame), {counts['events']:,} events "
        + (f"({counts['events'] - bulk['events']:,} over 30 days, plus {bulk['events']:,} over 6 years generated by "
           + (f"PostgreSQL in {bulk['seconds']:.0f} s" if bulk['seconds'] else "PostgreSQL by an earlier run") + f", event table {bulk['table_bytes'] / 2**30:.1f} GiB), "
           if bulk else "over 30 days, ")
        + f"{counts['snapshots']:,} recommendation snapshots (20 items each); generated with COPY in "
        f"{counts['seconds']:.0f} s.",
        "",
        ("Closed days of the event log rolled up before measuring, as beat does hourly "
         f"(`viewing_days_rollup`): {rollup['days']:,} day(s) stored in {rollup['seconds']:.1f} s (days already "
         "rolled up by an earlier run are not redone)." if rollup else
         "No closed-day roll-up (`--no-rollup`): events per day and active viewers scan the whole window."),
        "",
        f"Machine load average (1/5/15 min) at start {load_start[0]:.1f}/{load_start[1]:.1f}/{load_start[2]:.1f}, "
        f"at the end {os.getloadavg()[0]:.1f}/{os.getloadavg()[1]:.1f}/{os.getloadavg()[2]:.1f} (2 cores, shared with "
        "other work: the higher the load, the slower the cold numbers).",
        "",
        "Time to first byte measured with `http.client` against the running server. *Cold* = the analytics "
        "cache version bumped (`analytics_cache_invalidate()`) right before the request, so every KPI is "
        "recomputed by PostgreSQL and every figure rebuilt; PostgreSQL's own buffers are warm. *Warm* = "
        f"served from the Redis cache. Targets: warm ≤ {TARGET_WARM_MS} ms, cold ≤ {TARGET_COLD_MS / 1000:.0f} s. "
        f"On a cold cache the dashboard computes charts for at most {inline_budget_s()} s (`NETFLOOX_ANALYTICS_INLINE_BUDGET_S`) "
        "and leaves the rest to the browser, which fetches them from `/analytics/chart/<chart>.json` in "
        "parallel, costliest first (the page's `data-fetch-order`, by each KPI's last compute time; the first "
        "of the 3 cold runs has no costs yet): the *page + pending charts* column is the time until the last "
        "of them has arrived (6 parallel requests, as a browser does), i.e. when the whole dashboard can be "
        "drawn.",
        "",
        table(base),
        "",
        "In-process cold compute time per KPI (database aggregation only, no figure), whole catalog. The "
        "schema's covering indexes for these reads (migrations `catalog.0002`, `interactions.0003`): "
        "`catalog_credit (category, title_id, person_id)`, `catalog_title (title_type, start_year, "
        "runtime_minutes)`, `interactions_event (server_ts, user_id)`.",
        "",
        "| KPI | cold compute |",
        "|---|---|",
    ] + [f"| {k} | {compute[k]:.0f} ms |" for k in compute] + [
        "",
    ]
    if imdb:
        lines += [
            f"Real data: the IMDb sample `first-50k-rows` ({imdb['titles']:,} titles, {imdb['people']:,} people, "
            f"{imdb['credits']:,} credits) loaded in {imdb['seconds']:.0f} s with {imdb['how']}.",
            "",
            table(imdb["rows"]),
            "",
        ]
    else:
        lines += ["The IMDb sample run was skipped (folder absent or --no-imdb).", ""]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {a.out}")
    bad = [r for r in base + (imdb["rows"] if imdb else []) if r["status"] != 200]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
