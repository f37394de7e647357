""""Films I liked → 5 films": the one-film (and three-film) protocol on MovieLens-small.

    python -m benchmarks.liked [--ratings ../shared/datasets/movielens-small/ratings.csv] [--out docs/benchmarks-liked.md]

Protocol (issue #14): 300 viewers (seed 42) with at least 20 ratings ≥ 4 are removed from the
training data entirely. For each, one of their films rated ≥ 4, drawn at random, is the query;
their other films rated ≥ 4 are the relevant set. Every training film except the query is
ranked; hit-rate@5 and nDCG@5 (binary relevance, ideal DCG over min(5, |relevant|)) with standard
errors, for most-popular, item-item cosine, EASE item-item and the product's own answer
(`Recommender.recommend_for_items`, what the "I liked…" page, `GET /api/recommendations/for-titles/`
and `manage.py liked_offline` serve: the model trained once by the production pipeline, its
"I liked…" knobs chosen on a validation protocol carved from the training data, every query
answered from it; `recommendations/ml/liked.py`). The same with three
liked films as the query, and the share of picks that are in the global top 20 (by training
popularity). All models see the same training data and the same queries.
"""
from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RATINGS = REPO.parent / "shared" / "datasets" / "movielens-small" / "ratings.csv"
K = 5


def protocol(table, *, n_viewers=300, seed=42, liked_min=4.0, min_liked=20):
    """(training mask over the table's rows, [(viewer, liked item ids)]) — the held-out viewers."""
    users = np.asarray(table.users, dtype=object)
    items = np.asarray(table.items, dtype=object)
    liked = np.asarray(table.ratings, dtype=np.float64) >= liked_min
    counts = {}
    for u in users[liked]:
        counts[u] = counts.get(u, 0) + 1
    eligible = sorted((u for u, c in counts.items() if c >= min_liked), key=lambda x: (len(str(x)), str(x)))
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(np.array(eligible, dtype=object), min(n_viewers, len(eligible)), replace=False).tolist())
    held = np.fromiter((u in chosen for u in users), dtype=bool, count=len(users))
    viewers = {}
    for u, i in zip(users[held & liked], items[held & liked], strict=True):
        viewers.setdefault(u, []).append(i)
    return ~held, sorted(viewers.items(), key=lambda kv: (len(str(kv[0])), str(kv[0])))


def queries(viewers, known_items, *, n_query, seed=42):
    """[(query item ids, relevant item ids)] — items unknown to training cannot be queried or found."""
    rng = np.random.default_rng(seed + n_query)
    out = []
    for _, liked in viewers:
        liked = [i for i in liked if i in known_items]
        if len(liked) <= n_query:
            continue
        q = rng.choice(np.array(liked, dtype=object), n_query, replace=False).tolist()
        out.append((q, [i for i in liked if i not in set(q)]))
    return out


def score(tops, qs, top20):
    """hit@5, nDCG@5 (mean, standard error) and the share of picks in the global top 20."""
    hits, ndcgs, popular, picks = [], [], 0, 0
    disc = 1.0 / np.log2(np.arange(2, K + 2))
    for top, (_, rel) in zip(tops, qs, strict=True):
        rel = set(rel)
        g = np.array([1.0 if i in rel else 0.0 for i in top[:K]])
        hits.append(float(g.any()))
        ideal = disc[:min(K, len(rel))].sum()
        ndcgs.append(float((g * disc[:len(g)]).sum() / ideal) if ideal else 0.0)
        popular += sum(i in top20 for i in top[:K])
        picks += len(top[:K])
    n = max(len(hits), 1)
    return {"hit@5": float(np.mean(hits)), "hit@5_se": float(np.std(hits, ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
            "ndcg@5": float(np.mean(ndcgs)), "ndcg@5_se": float(np.std(ndcgs, ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
            "top20_share": popular / max(picks, 1), "queries": len(hits)}


class References:
    """The references, on the binary training matrix X (users × items)."""

    def __init__(self, X: sp.csr_matrix, ease_l2=300.0):
        self.X = sp.csr_matrix(X, dtype=np.float64)
        self.pop = np.asarray(self.X.sum(0)).ravel()
        n = np.sqrt(self.pop)
        n[n == 0] = 1.0
        G = (self.X.T @ self.X).toarray()
        self.cos = G / n[:, None] / n[None, :]
        np.fill_diagonal(self.cos, 0.0)
        G[np.diag_indices_from(G)] += ease_l2
        P = np.linalg.inv(G)
        self.ease = -P / np.diag(P)[None, :]
        np.fill_diagonal(self.ease, 0.0)

    def rank(self, name, q_idx):
        if name == "most_popular":
            s = self.pop.copy()
        elif name == "item_cosine":
            s = self.cos[q_idx].sum(0)
        elif name == "ease":
            s = self.ease[q_idx].sum(0)
        else:
            raise ValueError(name)
        s = s.astype(np.float64)
        s[q_idx] = -np.inf
        s[self.pop == 0] = -np.inf
        return s


def top_ids(s, ids, k=K):
    order = np.argsort(-s, kind="stable")[:k]
    return [ids[j] for j in order if np.isfinite(s[j])]


def run(ratings_path, *, n_viewers=300, seed=42, log=print, product=True):
    from recommendations.ml.data import read_ratings
    from recommendations.ml.matrix import build_interactions

    t0 = time.perf_counter()
    table = read_ratings(ratings_path)
    mask, viewers = protocol(table, n_viewers=n_viewers, seed=seed)
    train = table.subset(mask)
    m = build_interactions(train.users, train.items, train.ratings, timestamps=train.timestamps)
    ids = m.items.ids
    known = set(ids)
    X = m.binary()
    refs = References(X)
    top20 = {ids[j] for j in np.argsort(-refs.pop, kind="stable")[:20]}
    log(f"{len(table):,} ratings; {len(viewers)} held-out viewers; training {m.nnz:,} ratings of {m.n_users} viewers")
    model = None
    if product:  # the product's answer today: the trained hybrid, the query folded in as a viewer
        from recommendations.ml.data import item_feature_strings, read_items, sibling_items_path
        from recommendations.ml.train import train_recommender

        t = time.perf_counter()
        items_path = sibling_items_path(ratings_path)
        feats = item_feature_strings(read_items(items_path)) if items_path else None
        model, _ = train_recommender(m, item_features=feats, search=True)
        log(f"product model trained in {time.perf_counter() - t:.0f} s; \"I liked\" knobs {model.params.liked}")
        out_knobs = dict(model.params.liked)
        train_seconds = time.perf_counter() - t
    out = {"protocol": {"ratings": len(table), "held_out_viewers": len(viewers), "train_ratings": int(m.nnz),
                        "items": m.n_items, "seed": seed},
           "results": {}}
    for n_query in (1, 3):
        qs = queries(viewers, known, n_query=n_query, seed=seed)
        res = {}
        for name in ("most_popular", "item_cosine", "ease"):
            tops = [top_ids(refs.rank(name, np.asarray(m.items.indices(q))), ids) for q, _ in qs]
            res[name] = score(tops, qs, top20)
        if model is not None:
            tops = [[ids[j] for j, _, _ in model.recommend_for_items(m.items.indices(q), k=K)] for q, _ in qs]
            res["netfloox"] = score(tops, qs, top20)
        out["results"][f"{n_query}_film"] = res
        for name, r in res.items():
            log(f"  {n_query} film(s)  {name:13s} nDCG@5 {r['ndcg@5']:.4f} ± {r['ndcg@5_se']:.4f}  "
                f"hit@5 {r['hit@5']:.3f} ± {r['hit@5_se']:.3f}  top-20 share {r['top20_share']:.2f}  (n={r['queries']})")
    out["seconds"] = time.perf_counter() - t0
    if model is not None:
        out["knobs"], out["train_seconds"] = out_knobs, train_seconds
    return out


def scale(*, n_items=17_770, n_users=48_000, interactions=10_000_000, seed=0) -> dict:
    """The "I liked…" index at Netflix Prize scale: 17,770 films and the 10 M-interaction viewer
    sample training uses above 250,000 interactions (synthetic Zipf popularity, log-normal
    activity): fit time, peak memory (this process), size in a bundle, query time."""
    import tempfile

    from recommendations.ml.artifacts import _put_csr
    from recommendations.ml.liked import LikedIndex, LikedParams

    rng = np.random.default_rng(seed)
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.9
    pop /= pop.sum()
    acts = np.maximum(1, rng.lognormal(4.6, 1.0, n_users))
    acts = (acts * interactions / acts.sum()).astype(np.int64) + 1
    rows = np.repeat(np.arange(n_users), acts)
    cols = rng.choice(n_items, size=len(rows), p=pop)
    vals = rng.choice([1, 2, 3, 4, 5], size=len(rows), p=[.05, .1, .3, .35, .2]).astype(np.float32)
    V = sp.csr_matrix((vals, (rows, cols)), shape=(n_users, n_items))
    V.sum_duplicates()
    del rows, cols, vals

    def status(field):  # kB, from /proc/self/status
        with open("/proc/self/status") as fh:
            return next(int(x.split()[1]) for x in fh if x.startswith(field))

    try:  # reset the peak (VmHWM) so that it measures the fit, not the data generation
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    before = status("VmRSS:")
    t = time.perf_counter()
    idx = LikedIndex.fit(V, params=LikedParams())
    fit_s = time.perf_counter() - t
    peak = status("VmHWM:")
    arrays: dict = {}
    _put_csr(arrays, "liked_cooc", idx.cooc)
    with tempfile.TemporaryDirectory() as d:
        size = 0
        for k, a in arrays.items():
            np.save(f"{d}/{k}.npy", a)
            size += Path(f"{d}/{k}.npy").stat().st_size
    qs = rng.choice(n_items // 4, size=200, replace=False)
    V64 = rng.standard_normal((n_items, 128)).astype(np.float32)  # a LightFM-sized score pass, for scale

    def timed(n_films):
        t = time.perf_counter()
        for q in qs:
            items = [int(q) + i for i in range(n_films)]
            boost = V64 @ V64[items].mean(0)
            idx.recommend(items, 5, boost=(boost - boost.mean()) / boost.std())
        return (time.perf_counter() - t) / len(qs) * 1000

    return {"items": n_items, "viewers": n_users, "interactions": int(V.nnz), "fit_s": fit_s,
            "peak_rss_gb": peak / 1e6, "rss_before_gb": before / 1e6, "cooc_nnz": int(idx.cooc.nnz),
            "bundle_mb": size / 1e6, "query_ms_1": timed(1), "query_ms_3": timed(3)}


def report(out, started) -> str:
    from benchmarks.common import machine

    p = out["protocol"]
    lines = ["## \"Films I liked → 5 films\" (`python -m benchmarks.liked`, MovieLens-small)", "",
             f"Run {started:%Y-%m-%d %H:%M} UTC on {machine()}. {p['held_out_viewers']} viewers with ≥ 20 ratings "
             f"≥ 4 (seed {p['seed']}) removed from training ({p['train_ratings']:,} ratings left, {p['items']:,} films); "
             "query = 1 (or 3) of their films rated ≥ 4 drawn at random, relevant = their other films rated ≥ 4; "
             "every training film except the query ranked. ± = standard error over the queries. "
             "*top-20 share*: picks that are among the 20 most rated training films.", "",
             "| query | model | nDCG@5 | hit-rate@5 | top-20 share |", "|---|---|---:|---:|---:|"]
    for q, res in out["results"].items():
        for name, r in res.items():
            lines.append(f"| {q.replace('_', ' ')} | {name} | {r['ndcg@5']:.4f} ± {r['ndcg@5_se']:.4f} | "
                         f"{r['hit@5']:.3f} ± {r['hit@5_se']:.3f} | {r['top20_share']:.2f} |")
    lines.append("")
    if "knobs" in out:
        lines.append(f"Netfloox = `Recommender.recommend_for_items` of the model trained once by the production "
                     f"pipeline ({out['train_seconds']:.0f} s); \"I liked\" knobs chosen on the validation protocol "
                     f"carved from the training data: `{out['knobs']}`.")
        lines.append("")
        lines.append("| query | Netfloox − most-popular | Netfloox − best item-item | picks in the top 20 | target met |")
        lines.append("|---|---:|---:|---:|---|")
        for q, res in out["results"].items():
            if "netfloox" not in res:
                continue
            n = res["netfloox"]
            d_pop = n["ndcg@5"] - res["most_popular"]["ndcg@5"]
            d_ii = n["ndcg@5"] - max(res["item_cosine"]["ndcg@5"], res["ease"]["ndcg@5"])
            met = d_pop >= 0.03 and d_ii >= 0.03 and n["top20_share"] <= 0.5
            lines.append(f"| {q.replace('_', ' ')} | {d_pop:+.4f} | {d_ii:+.4f} | {n['top20_share']:.2f} | "
                         f"{'yes' if met else 'no'} |")
        lines.append("")
    if "scale" in out:
        c = out["scale"]
        lines.append(f"At Netflix Prize scale (`scale()`: {c['items']:,} films, the {c['interactions']:,}-interaction "
                     f"viewer sample of {c['viewers']:,} synthetic viewers that training uses above 250,000 "
                     f"interactions): the index fits in {c['fit_s']:.1f} s with a peak of {c['peak_rss_gb']:.2f} GB "
                     f"for the process ({c['rss_before_gb']:.2f} GB before), keeps {c['cooc_nnz']:,} co-like counts "
                     f"({c['bundle_mb']:.0f} MB memory-mapped in a bundle), and answers in {c['query_ms_1']:.2f} ms "
                     f"(one film) / {c['query_ms_3']:.2f} ms (three), a 128-dimension LightFM-sized score pass "
                     "included.")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ratings", type=Path, default=DEFAULT_RATINGS)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks-liked.md")
    ap.add_argument("--no-product", action="store_true", help="the references only")
    ap.add_argument("--no-scale", action="store_true", help="skip the 17,770-film scale check")
    a = ap.parse_args()
    if not a.ratings.exists():
        print(f"{a.ratings}: no such file (the shared MovieLens-small dataset)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    started = datetime.datetime.now(datetime.UTC)
    out = run(a.ratings, product=not a.no_product)
    if not a.no_scale:  # in a process of its own, so that its peak memory is its own
        import json
        import subprocess

        r = subprocess.run([sys.executable, "-c", "import json; from benchmarks.liked import scale; "
                            "print(json.dumps(scale()))"], cwd=REPO, capture_output=True, text=True, check=True)
        out["scale"] = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"scale: {out['scale']}")
    a.out.write_text(report(out, started))
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
