"""Entity resolution on the shared real datasets, imported in several orders.

    python -m benchmarks.resolution --out docs/benchmarks-resolution.md [--sample docs/resolution-sample.md]

For each order of the four sources (IMDb first-50k-rows, TMDB 5000, the Netflix Prize titles and
sample ratings, MovieLens small), a fresh PostgreSQL database, the four import commands in that
order (each ends with `catalog.services.resolution.titles_resolve`), then:

* titles; titles carrying ids from 2+ sources;
* **twins left**: pairs of titles from different sources with the same match key and year that
  are still two rows (the target is 0);
* Netflix Prize titles that have a MovieLens twin (same key, years ≤ 1 apart, by the files
  themselves, whatever the catalog did), and the share of them merged into one title;
* ambiguous groups left for review (`manage.py catalog_duplicates`);
* a fingerprint of the catalog (each title's ids, title, year), to show every order gives the
  same catalog.

`--sample` writes 100 merged Netflix × MovieLens pairs (seeded) with both files' own title and
year, for a person to check each merge by hand.
"""
import argparse
import csv
import datetime
import hashlib
import os
import random
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks import common

sys.path.insert(0, str(common.REPO))
from catalog.matching import is_season_entry, type_family  # noqa: E402 - pure module, no Django

DATASETS = Path(os.environ.get("NETFLOOX_SHARED_DATASETS", common.REPO.parent / "shared" / "datasets"))
ORDERS = [("imdb", "tmdb", "netflix", "movielens"), ("netflix", "movielens", "tmdb", "imdb"),
          ("movielens", "netflix", "imdb", "tmdb"), ("tmdb", "netflix", "imdb", "movielens")]
DB = "netfloox_bench_resolution"


def commands():
    d = DATASETS
    return {
        "imdb": ["import_imdb", str(d / "imdb" / "first-50k-rows")],
        "tmdb": ["import_tmdb", str(d / "tmdb-5000" / "tmdb_5000_movies.csv")],
        "netflix": ["import_netflix_prize", "--titles", str(d / "netflix-prize" / "movie_titles.csv"),
                    str(d / "netflix-prize" / "combined_data_sample.txt.gz")],
        "movielens": ["import_movielens", str(d / "movielens-small")],
    }


def file_twins():
    """(netflix id → (title, year)), (movielens id → (title, year)), and the Netflix titles with
    a MovieLens twin by the files alone."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netfloox.settings.base")
    import django

    django.setup()  # split_title lives beside the importer (no database is used here)
    from catalog.matching import match_key
    from datasets.services.importers.movielens import split_title

    nf = {}
    with open(DATASETS / "netflix-prize" / "movie_titles.csv", encoding="latin-1") as fh:
        for line in fh:
            mid, year, name = line.rstrip("\r\n").split(",", 2)
            nf[int(mid)] = (name, int(year) if year.isdigit() else None)
    ml = {}
    with open(DATASETS / "movielens-small" / "movies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            title, _, year = split_title(row["title"])
            ml[int(row["movieId"])] = (title, year)
    by_key = defaultdict(list)
    for mid, (t, y) in ml.items():
        by_key[match_key(t)].append((mid, y))
    twins = {n for n, (t, y) in nf.items() if y is not None and any(
        yy is not None and abs(yy - y) <= 1 for _, yy in by_key.get(match_key(t), ()))}
    return nf, ml, twins


def measure(order, log):
    common.recreate_database(DB)
    env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
               DJANGO_SETTINGS_MODULE="netfloox.settings.base", CELERY_TASK_ALWAYS_EAGER="1")
    run = lambda args: subprocess.run([sys.executable, "manage.py", *args], cwd=common.REPO, env=env,  # noqa: E731
                                      check=True, stdout=log, stderr=subprocess.STDOUT)
    run(["migrate", "--noinput", "-v0"])
    for source in order:
        run(commands()[source])
    import psycopg2

    conn = psycopg2.connect(dbname=DB, **common.PG)
    cur = conn.cursor()
    cur.execute("SELECT id, match_key, start_year, imdb_id, tmdb_id, netflix_id, movielens_id, primary_title "
                "FROM catalog_title")
    rows = cur.fetchall()
    cur.execute("SELECT id, title_type FROM catalog_title")
    types = cur.fetchall()
    conn.close()
    src = lambda r: {f for f, v in zip(("imdb", "tmdb", "netflix", "movielens"), r[3:7], strict=True) if v is not None}  # noqa: E731
    multi = sum(1 for r in rows if len(src(r)) >= 2)
    groups = defaultdict(list)
    for r in rows:
        if r[1] and r[2] is not None and src(r):
            groups[(r[1], r[2])].append(r)
    out = subprocess.run([sys.executable, "manage.py", "catalog_duplicates"], cwd=common.REPO, env=env,
                         capture_output=True, text=True, check=True).stdout
    ambiguous = int(out.split()[0].replace(",", "")) if "group(s) need a decision" in out else 0
    in_review = {int(m) for m in re.findall(r"^\s+#(\d+) ", out, re.M)}
    cur_types = dict(types)
    pairs = {"total": 0, "in_review": 0, "season_vs_show": 0, "film_vs_series": 0, "other": 0}
    for g in groups.values():
        for i, a in enumerate(g):
            for b in g[i + 1:]:
                if src(a) & src(b):
                    continue
                pairs["total"] += 1
                if a[0] in in_review and b[0] in in_review:
                    pairs["in_review"] += 1
                elif any(src(t) == {"netflix"} and is_season_entry(t[7]) for t in (a, b)):
                    pairs["season_vs_show"] += 1
                elif "netflix" not in src(a) | src(b) and \
                        type_family(cur_types[a[0]]) != type_family(cur_types[b[0]]):
                    pairs["film_vs_series"] += 1
                else:
                    pairs["other"] += 1
    merged_nf_ml = {r[5]: r[6] for r in rows if r[5] is not None and r[6] is not None}
    works = sorted(f"{r[3]}|{r[4]}|{r[5]}|{r[6]}|{r[7]}|{r[2]}" for r in rows)
    fp = hashlib.sha256("\n".join(works).encode()).hexdigest()[:12]
    dump = common.REPO.parent / f"resolution-{'-'.join(order)}.txt"
    dump.write_text("\n".join(works) + "\n")  # to diff two orders' catalogs
    return {"titles": len(rows), "multi_source": multi, "pairs": pairs, "merged_nf_ml": merged_nf_ml,
            "ambiguous": ambiguous, "fingerprint": fp}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=common.REPO / "docs" / "benchmarks-resolution.md")
    ap.add_argument("--sample", type=Path, default=None)
    a = ap.parse_args()
    if not (DATASETS / "netflix-prize" / "movie_titles.csv").exists():
        print(f"the shared datasets are not at {DATASETS}: nothing to measure", file=sys.stderr)
        return 1
    started = datetime.datetime.now(datetime.UTC)
    nf, ml, twins = file_twins()
    results = []
    with open(common.REPO.parent / "resolution-bench.log", "ab") as log:
        for order in ORDERS:
            print("==", " → ".join(order), flush=True)
            r = measure(order, log)
            results.append((order, r))
            print({k: v for k, v in r.items() if k != "merged_nf_ml"}, flush=True)
    lines = [
        "## Entity resolution on the shared datasets, in four import orders (`python -m benchmarks.resolution`)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {common.machine()}. IMDb `first-50k-rows`, TMDB 5000, Netflix Prize "
        f"`movie_titles.csv` ({len(nf):,} titles) + the rating sample, MovieLens small ({len(ml):,} movies); a fresh "
        f"PostgreSQL database per order. By the files alone, {len(twins):,} Netflix Prize titles have a MovieLens "
        "twin (same match key, years at most 1 apart).",
        "",
        "| import order | titles | ids from 2+ sources | same key and year, two rows: all / in the review report / "
        "season vs show / film vs series / **other (twins left)** | Netflix titles with a MovieLens twin merged | "
        "ambiguous groups for review | catalog fingerprint |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for order, r in results:
        merged = sum(1 for n in twins if n in r["merged_nf_ml"])
        p = r["pairs"]
        lines.append(f"| {' → '.join(order)} | {r['titles']:,} | {r['multi_source']:,} | {p['total']} / "
                     f"{p['in_review']} / {p['season_vs_show']} / {p['film_vs_series']} / **{p['other']}** | "
                     f"{merged:,} / {len(twins):,} ({merged / max(1, len(twins)):.1%}) | {r['ambiguous']:,} | "
                     f"`{r['fingerprint']}` |")
    lines.append("")
    a.out.write_text("\n".join(lines))
    print("\n".join(lines))
    if a.sample:
        pairs = sorted(results[0][1]["merged_nf_ml"].items())
        random.Random(7).shuffle(pairs)
        rows = ["# Hand-checked sample: 100 Netflix Prize × MovieLens merges",
                "", f"From `python -m benchmarks.resolution --sample` ({started:%Y-%m-%d}, order "
                f"{' → '.join(results[0][0])}): each merged title's Netflix and MovieLens entries as the files give "
                "them. Verdict: ✓ same work, ✗ wrong merge.", "",
                "| Netflix id | Netflix title (year) | MovieLens id | MovieLens title (year) | verdict |",
                "|---:|---|---:|---|---|"]
        for n, m in pairs[:100]:
            rows.append(f"| {n} | {nf[n][0]} ({nf[n][1]}) | {m} | {ml[m][0]} ({ml[m][1]}) | |")
        a.sample.write_text("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
