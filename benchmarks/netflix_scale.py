"""Netflix Prize scale: generate, import and store N ratings, beside PostgreSQL's own COPY floor.

    python -m benchmarks.netflix_scale --sizes 1M,5M,24M,100M --data-root /var/tmp/netfloox-scale

For each size (ratings; 24M is `combined_data_1.txt`'s size, 100M the whole Netflix Prize):

1. **generate** — `manage.py generate_netflix_prize --ratings N --out DATA/N` (skipped when the
   folder is complete); wall time and peak RSS of the generator;
2. **import** — a fresh database (`netfloox_bench_scale_<N>`), `migrate`, then
   `manage.py import_netflix_prize --titles movie_titles.csv combined_data_*.txt`: wall time,
   rows/s, the importer's peak RSS and CPU, database and table sizes on disk;
3. **floor** — in the same run, the same rows with PostgreSQL alone: the importer's target tables
   (`interactions_importedrating`, `auth_user`, `accounts_profile`) are COPYed out to binary files
   on the server, then COPYed back into empty tables of the same shape, and the ratings table's
   primary key is built (what the importer's bulk load must do too). floor rows/s = ratings ÷
   (COPY time of the three tables + key build); the importer's ratio to it is what the target
   (≥ 50 %) is about — the ratio, not rows/s, is comparable across machines and loads;
4. **re-import** (sizes ≤ --reimport-max) — the same command again: nothing may change (rows and
   the sum of the ratings are compared), and its time;
5. **train** — the product's training (`recommender_train` through `benchmarks.recommender
   --train-into`: chunked read, the plan of `TrainingScale`, evaluation on held-out viewers,
   the gate, activation): wall time and the process's peak RSS, nDCG@10 of the model and of
   most-popular on the same held-out rows;
6. **serve** — `benchmarks.recommender --database` on that database: gunicorn (2 sync workers),
   `GET /api/me/recommendations/` and the similar-titles API at 2 connections, the real-time
   refresh after a full watch (a Celery worker), and the web workers' RSS/PSS with the model loaded.

`--phases` picks steps (e.g. `--phases train,serve` on databases kept by `--keep-databases`).

Results go to `--out` (default docs/benchmarks-netflix_scale.md), one row per size, rewritten
after every size so a long run that is stopped keeps what it measured. The data folders are
large (100M ratings: 2.0 GB of text): keep them outside the repository.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import common

RESULTS = "netflix_scale.json"


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 1M, 24M, 100480507)")
    n = float(m.group(1)) * {"": 1, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6}[m.group(2)]
    return 100_480_507 if m.group(2).upper() == "M" and m.group(1) == "100" else int(n)


def label(n: int) -> str:
    return "100M (full)" if n == 100_480_507 else (f"{n / 1e6:g}M" if n >= 1e6 else f"{n:,}")


def run_measured(cmd, *, env=None, log=None):
    """Run `cmd`; (wall seconds, peak RSS MB, CPU seconds) of that child alone (wait4)."""
    t = time.perf_counter()
    out = open(log, "ab") if log else subprocess.DEVNULL
    p = subprocess.Popen(cmd, cwd=common.REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[:4]}… failed ({p.returncode}); see {log}")
    return wall, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime


def generate(n, folder: Path, log):
    done = folder / ".complete"
    if done.exists():
        return json.loads(done.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    wall, rss, cpu = run_measured([sys.executable, "manage.py", "generate_netflix_prize", "--ratings", str(n),
                                   "--out", str(folder), "--seed", "1"], log=log)
    info = {"seconds": wall, "peak_rss_mb": rss, "bytes": sum(f.stat().st_size for f in folder.glob("*.txt"))}
    done.write_text(json.dumps(info))
    return info


def _pg(dbname):
    import psycopg2

    conn = psycopg2.connect(dbname=dbname, **common.PG)
    conn.autocommit = True
    return conn


def _one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def _fingerprint(cur):
    cur.execute("SELECT COUNT(*), COALESCE(SUM(rating_halves), 0), COUNT(DISTINCT user_id) "
                "FROM interactions_importedrating")
    return list(cur.fetchone())


def import_and_floor(n, folder: Path, log, *, reimport: bool):
    db = f"netfloox_bench_scale_{n}"
    common.recreate_database(db)
    env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
               DJANGO_SETTINGS_MODULE="netfloox.settings.base", CELERY_TASK_ALWAYS_EAGER="1")
    run_measured([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env=env, log=log)
    files = sorted(str(p) for p in folder.glob("combined_data_*.txt"))
    cmd = [sys.executable, "manage.py", "import_netflix_prize", "--titles", str(folder / "movie_titles.csv"), *files]
    wall, rss, cpu = run_measured(cmd, env=env, log=log)
    conn = _pg(db)
    cur = conn.cursor()
    cur.execute("VACUUM ANALYZE interactions_importedrating")
    rows, rating_sum, viewers = _fingerprint(cur)
    cur.execute("SELECT options -> 'timings' FROM catalog_importrun ORDER BY id DESC LIMIT 1")
    timings = (cur.fetchone() or [None])[0] or {}
    out = {"import_seconds": wall, "import_rows_per_s": rows / wall, "import_peak_rss_mb": rss, "timings": timings,
           "import_cpu_s": cpu, "rows": rows, "viewers": viewers,
           "db_bytes": _one(cur, "SELECT pg_database_size(current_database())"),
           "ratings_table_bytes": _one(cur, "SELECT pg_total_relation_size('interactions_importedrating')")}

    # The floor: PostgreSQL alone moving the same rows into the same tables.
    spool = Path(f"/var/tmp/netfloox-floor-{n}-{os.getpid()}")
    spool.mkdir(mode=0o777, exist_ok=True)
    os.chmod(spool, 0o777)
    floor = {}
    try:
        tables = {"interactions_importedrating": "(LIKE interactions_importedrating INCLUDING DEFAULTS "
                                                 "INCLUDING CONSTRAINTS)",  # no key: built after, like a bulk load
                  "auth_user": "(LIKE auth_user INCLUDING ALL)",
                  "accounts_profile": "(LIKE accounts_profile INCLUDING ALL)"}
        for table in tables:
            cur.execute(f"COPY {table} TO '{spool / table}.bin' (FORMAT binary)")
        cur.execute("CHECKPOINT")
        copy_s = 0.0
        for table, like in tables.items():
            cur.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cur.execute(f"CREATE TABLE floor_{table} {like}")
            t = time.perf_counter()
            cur.execute(f"COPY floor_{table} FROM '{spool / table}.bin' (FORMAT binary)")
            floor[f"copy_{table}_s"] = time.perf_counter() - t
            copy_s += floor[f"copy_{table}_s"]
        t = time.perf_counter()
        cur.execute("ALTER TABLE floor_interactions_importedrating ADD PRIMARY KEY (user_id, title_id)")
        floor["key_build_s"] = time.perf_counter() - t
        floor["seconds"] = copy_s + floor["key_build_s"]
        floor["rows_per_s"] = rows / floor["seconds"]
        for table in tables:
            cur.execute(f"DROP TABLE floor_{table}")
    finally:
        for f in spool.glob("*.bin"):
            f.unlink()
        spool.rmdir()
    out["floor"] = floor
    out["load_1min"] = os.getloadavg()[0]  # the machine's load when the import and the floor ran
    out["ratio_to_floor"] = out["import_rows_per_s"] / floor["rows_per_s"]
    if timings.get("ratings"):  # the same rows over the ratings step alone (no start-up, titles, statistics)
        out["ratings_rows_per_s"] = rows / timings["ratings"]
        out["ratings_ratio_to_floor"] = out["ratings_rows_per_s"] / floor["rows_per_s"]
    if reimport:
        before = _fingerprint(cur)
        wall2, rss2, _ = run_measured(cmd, env=env, log=log)
        after = _fingerprint(cur)
        out["reimport"] = {"seconds": wall2, "peak_rss_mb": rss2, "unchanged": before == after}
    conn.close()
    return out


def _env(db):
    return dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
                DJANGO_SETTINGS_MODULE="netfloox.settings.base", CELERY_TASK_ALWAYS_EAGER="1")


def train(n, data_root: Path, log):
    db = f"netfloox_bench_scale_{n}"
    out = Path(tempfile.gettempdir()) / f"{db}-train.json"  # where `benchmarks.recommender --keep-db` looks
    env = dict(_env(db), ML_ARTIFACTS_DIR=str(data_root / f"artifacts-{n}"), OPENBLAS_NUM_THREADS="2",
               OMP_NUM_THREADS="2")
    wall, rss, cpu = run_measured([sys.executable, "-m", "benchmarks.recommender", "--database", db,
                                   "--train-into", str(out)], env=env, log=log)
    t = json.loads(out.read_text())
    c = t.get("data_counts", {})
    return {"seconds": wall, "peak_rss_mb": rss, "cpu_s": cpu, "ndcg": t["metrics"]["hybrid"]["ndcg"],
            "ndcg_most_popular": t["metrics"]["most_popular"]["ndcg"], "gate_passed": t["gate"]["passed"],
            "active": t["active"], "artifact_mb": t["artifact_mb"], "viewers": c.get("viewers"),
            "held_out_viewers": c.get("held_out_viewers"), "lightfm_viewers": c.get("lightfm_viewers"),
            "log": t.get("log", [])}


def serve(n, data_root: Path, log, *, duration: float):
    db = f"netfloox_bench_scale_{n}"
    out = data_root / f"serve-{n}.json"
    run_measured([sys.executable, "-m", "benchmarks.recommender", "--database", db, "--keep-db",
                  "--out", str(data_root / f"serve-{n}.md"), "--json", str(out), "--modes", "baseline",
                  "me-recommendations", "similar", "--levels", "1x2", "--procs", "1", "--threads", "2", "--duration", str(duration),
                  "--realtime-trials", "30"], env=dict(os.environ), log=log)
    r = json.loads(out.read_text())
    rows = {x["mode"]: x for x in r["results"]}
    mem = r["workers_memory"]
    return {"healthz_p50_ms": rows["baseline"]["p50_ms"], "healthz_p99_ms": rows["baseline"]["p99_ms"],
            "me_p50_ms": rows["me-recommendations"]["p50_ms"], "me_p99_ms": rows["me-recommendations"]["p99_ms"],
            "me_rps": rows["me-recommendations"]["requests_per_s"], "similar_p99_ms": rows["similar"]["p99_ms"],
            "errors": sum(x["errors"] for x in r["results"]), "refresh_p95_ms": r["refresh"]["p95_ms"],
            "refresh_ok": f"{r['refresh']['ok']}/{r['refresh']['trials']}",
            "worker_rss_mb": max((w["rss_mb"] for w in mem), default=None),
            "worker_pss_mb": max((w["pss_mb"] for w in mem), default=None)}


def _secs(x: float) -> str:
    return f"{x:.1f} s" if x < 10 else f"{x:.0f} s"


def write(out_path: Path, results: dict, started, note: str):
    lines = [
        "## Netflix Prize scale: generate, import, store (`python -m benchmarks.netflix_scale`)",
        "",
        f"Run started {started:%Y-%m-%d %H:%M} UTC on {common.machine()}. Synthetic data from `generate_netflix_prize` (the original's "
        "layout and shape, seed 1); each size imported into a fresh PostgreSQL 15 database "
        "(titles, then the ratings files; viewers created on the way). *floor*: PostgreSQL alone COPYing the "
        "same rows (binary, from server-side files) into empty copies of the same three tables, plus the "
        "ratings key build — measured in the same run.",
        "",
        "| ratings | generate | import | import rows/s | COPY floor rows/s | ratio | ratings step (ratio) | "
        "importer peak RSS | ratings table | database | re-import | load (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for n, r in sorted(results.items(), key=lambda kv: int(kv[0])):
        g, i = r.get("generate", {}), r.get("import")
        if not i:
            lines.append(f"| {label(int(n))} | {g.get('seconds', 0):.0f} s | {r.get('error', 'not run')} "
                         "| | | | | | | | | |")
            continue
        re_ = i.get("reimport")
        re_txt = (f"{re_['seconds']:.0f} s, {'nothing changed' if re_['unchanged'] else 'CHANGED'}"
                  if re_ else "not run")
        lines.append(
            f"| {label(int(n))} | {g.get('seconds', 0):.0f} s ({g.get('peak_rss_mb', 0):.0f} MB) | "
            f"{_secs(i['import_seconds'])} | {i['import_rows_per_s']:,.0f} | {i['floor']['rows_per_s']:,.0f} | "
            f"{i['ratio_to_floor']:.0%} | "
            + (f"{_secs(i['timings']['ratings'])} ({i['ratings_ratio_to_floor']:.0%}) | " if i.get("ratings_ratio_to_floor")
               else "– | ")
            + f"{i['import_peak_rss_mb']:.0f} MB | "
            f"{i['ratings_table_bytes'] / 2**30:.2f} GiB | {i['db_bytes'] / 2**30:.2f} GiB | {re_txt} | "
            f"{i.get('load_1min', float('nan')):.1f} |")
    lines += ["", note, ""]
    parts = {n: r["import"] for n, r in results.items() if (r.get("import") or {}).get("timings", {}).get("ratings")}
    if parts:
        lines += [
            "Where the import's time goes (`ImportRun.options['timings']`; *mapping and COPY* = the ratings step "
            "until its input ends: parsing, viewer map and creation, sorting, COPYs overlapping them), beside "
            "the floor's own parts:",
            "",
            "| ratings | start-up (rest) | titles | mapping and COPY | COPY after the last chunk | key build | "
            "ANALYZE | title statistics | floor: COPY | floor: key build |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for n, i in sorted(parts.items(), key=lambda kv: int(kv[0])):
            t, f = i["timings"], i["floor"]
            tail = [t.get(k, 0.0) for k in ("ratings: COPY after the last chunk", "ratings: key build",
                                              "ratings: ANALYZE")]
            steps = sum(v for k, v in t.items() if ":" not in k)
            copy_s = sum(v for k, v in f.items() if k.startswith("copy_"))
            lines.append(f"| {label(int(n))} | {i['import_seconds'] - steps:.1f} s | {t.get('titles', 0):.1f} s | "
                         f"{t['ratings'] - sum(tail):.1f} s | " + " | ".join(f"{v:.1f} s" for v in tail)
                         + f" | {t.get('title statistics', 0):.1f} s | {copy_s:.1f} s | {f['key_build_s']:.1f} s |")
        lines.append("")
    trained = {n: r for n, r in results.items() if r.get("train") or r.get("serve") or r.get("train_error")}
    if trained:
        lines += [
            "### Training and serving at each size",
            "",
            "| ratings | training | training peak RSS | nDCG@10 model | nDCG@10 most-popular | gate | viewers "
            "(LightFM-trained / held out) | API p50 / p99 (2 conn.) | `/healthz` p50 / p99 (same run) | similar p99 | "
            "refresh p95 | web worker RSS / PSS |",
            "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|",
        ]
        for n, r in sorted(trained.items(), key=lambda kv: int(kv[0])):
            t, v = r.get("train") or {}, r.get("serve") or {}
            tr = (f"{t['seconds']:.0f} s | {t['peak_rss_mb']:,.0f} MB | {t['ndcg']:.4f} | {t['ndcg_most_popular']:.4f} | "
                  f"{'passed' if t['gate_passed'] else 'FAILED'} | {t['viewers']:,} ({t['lightfm_viewers'] or 0:,} / "
                  f"{t['held_out_viewers'] or 0:,})") if t else f"{r.get('train_error', 'not run')} | | | | | "
            hz = (f"{v['healthz_p50_ms']:.1f} / {v['healthz_p99_ms']:.1f} ms" if v.get("healthz_p99_ms") is not None
                  else "not measured")
            sv = (f"{v['me_p50_ms']:.1f} / {v['me_p99_ms']:.1f} ms | {hz} | {v['similar_p99_ms']:.1f} ms | "
                  f"{v['refresh_p95_ms']:.0f} ms ({v['refresh_ok']}) | {v['worker_rss_mb']:.0f} / {v['worker_pss_mb']:.0f} MB"
                  ) if v else f"{r.get('serve_error', 'not run')} | | | | "
            lines.append(f"| {label(int(n))} | {tr} | {sv} |")
        lines += ["", "*training* is the whole `recommender_train` (read, plan, fit, evaluation, bundle, activation) "
                  "in its own process; nDCG@10 on the held-out viewers' films (`TrainingScale`). API rows: "
                  "`benchmarks.recommender --database` (its own report beside the JSON in the data folder), "
                  "1 client process × 2 keep-alive connections; refresh = full watch posted → new list readable.",
                  ""]
    out_path.write_text("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1M,5M", help="comma-separated sizes (1M, 5M, 24M, 100M)")
    ap.add_argument("--data-root", type=Path, default=Path("/var/tmp/netfloox-scale"))
    ap.add_argument("--out", type=Path, default=common.REPO / "docs" / "benchmarks-netflix_scale.md")
    ap.add_argument("--reimport-max", type=parse_size, default=parse_size("5M"),
                    help="re-import (idempotency) up to this size")
    ap.add_argument("--keep-databases", action="store_true")
    ap.add_argument("--phases", default="generate,import,train,serve",
                    help="steps to run (train/serve alone need databases kept by --keep-databases)")
    ap.add_argument("--duration", type=float, default=15.0, help="seconds of load per API row")
    a = ap.parse_args()
    phases = {x.strip() for x in a.phases.split(",") if x.strip()}
    sizes = [parse_size(s) for s in a.sizes.split(",") if s.strip()]
    started = datetime.datetime.now(datetime.UTC)
    a.data_root.mkdir(parents=True, exist_ok=True)
    state = a.data_root / RESULTS
    results = json.loads(state.read_text()) if state.exists() else {}
    log = a.data_root / "netflix_scale.log"
    note = ("Per size the *import* column is the whole `import_netflix_prize` command (Python and Django start-up, "
            "titles, viewer creation, parsing, bulk load and key build, title statistics); its peak RSS is the "
            "importer process's. *ratings step*: the same rows over the command's ratings step alone (parsing, "
            "viewers, COPY, key build: `ImportRun.options['timings']`), the part the floor measures — at 1M and 5M "
            "the command's fixed costs (its start-up and the 17,770 titles, next table) are most of its time.")
    for n in sizes:
        r = results.setdefault(str(n), {})
        if "generate" in phases or "import" in phases:
            print(f"== {label(n)}: generate", flush=True)
            r["generate"] = generate(n, a.data_root / str(n), log)
        if "import" in phases:
            print(f"== {label(n)}: import + floor", flush=True)
            try:
                r["import"] = import_and_floor(n, a.data_root / str(n), log, reimport=n <= a.reimport_max)
                r.pop("error", None)
            except Exception as exc:  # keep what the other sizes measured
                r["error"] = f"{type(exc).__name__}: {exc}"
        for phase, fn in (("train", lambda n=n: train(n, a.data_root, log)),
                          ("serve", lambda n=n: serve(n, a.data_root, log, duration=a.duration))):
            if phase not in phases:
                continue
            print(f"== {label(n)}: {phase}", flush=True)
            try:
                r[phase] = fn()
                r.pop(f"{phase}_error", None)
            except Exception as exc:
                r[phase], r[f"{phase}_error"] = None, f"{type(exc).__name__}: {exc}"
            state.write_text(json.dumps(results, indent=1))
            write(a.out, results, started, note)
        state.write_text(json.dumps(results, indent=1))
        write(a.out, results, started, note)
        print(json.dumps({k: v for k, v in r.items() if k != "train" or not v} | {"train": {
            k: v for k, v in (r.get("train") or {}).items() if k != "log"}}, indent=1), flush=True)
        if not a.keep_databases and "import" in phases:  # only a database this run created
            common.drop_database(f"netfloox_bench_scale_{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
