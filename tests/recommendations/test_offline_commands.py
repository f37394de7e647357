"""`manage.py recommend_offline` and `manage.py evaluate_recommender` on small generated files (no database)."""
import csv
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from tests.recommendations.ml.planted import planted, write_movielens


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = planted(seed=21)
    r, m, us = write_movielens(tmp_path_factory.mktemp("ml"), d, extra_users=["99999"])
    return d, r, m, us


def read_out(path):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows


def test_recommend_offline_writes_ranked_unseen_items_per_user(files, tmp_path):
    d, ratings, movies, users = files
    out = tmp_path / "top.csv"
    call_command("recommend_offline", "--ratings", ratings, "--items", movies, "--users", users, "--k", "10",
                 "--out", str(out), verbosity=0)
    rows = read_out(out)
    assert list(rows[0]) == ["user_id", "item_id", "rank"]
    by_user = {}
    for r in rows:
        by_user.setdefault(r["user_id"], []).append((int(r["rank"]), r["item_id"]))
    n_users = len(set(d["users"].tolist()))
    assert len(by_user) == n_users + 1
    seen = {}
    for u, i in zip(d["users"], d["items"], strict=True):
        seen.setdefault(u, set()).add(i)
    own = 0
    for u, recs in by_user.items():
        assert [rk for rk, _ in recs] == list(range(1, 11))
        items = [i for _, i in recs]
        assert len(set(items)) == 10
        if u != "99999":
            assert not set(items) & seen[u]
            own += sum(d["item_cluster"][i] == d["user_cluster"][u] for i in items)
    assert own / (10 * n_users) > 0.9  # the planted taste clusters are recovered
    # a user absent from the ratings gets the most rated films, most rated first
    counts = Counter(d["items"].tolist())
    top = [i for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], int(kv[0])))]
    got = [i for _, i in sorted(by_user["99999"])]
    assert [counts[i] for i in got] == [counts[i] for i in top[:10]]


def test_recommend_offline_finds_the_sibling_item_file(files, tmp_path):
    _, ratings, _, users = files
    out = tmp_path / "top.csv"
    call_command("recommend_offline", "--ratings", ratings, "--users", users, "--k", "3", "--out", str(out),
                 "--no-search", verbosity=0)
    assert len(read_out(out)) == 3 * (len(open(users).read().split()))


@pytest.mark.parametrize("content, expected", [
    ("userId,movieId,rating\n1,2,4\n1,3,four\n", ["line 3", "'rating'", "'four' is not a positive number"]),
    ("user,movie,stars\n1,2,4\n", ["line 1", "'movieId'", "missing column"]),
])
def test_recommend_offline_bad_input_names_file_line_and_field(tmp_path, content, expected):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(content)
    users = tmp_path / "users.txt"
    users.write_text("1\n")
    with pytest.raises(CommandError) as e:
        call_command("recommend_offline", "--ratings", str(ratings), "--users", str(users), "--out",
                     str(tmp_path / "o.csv"), verbosity=0)
    msg = str(e.value)
    assert str(ratings) in msg
    for part in expected:
        assert part in msg
    assert not (tmp_path / "o.csv").exists()


def test_recommend_offline_missing_files(tmp_path, files):
    _, ratings, _, _ = files
    with pytest.raises(CommandError, match="nope.csv.*no such file"):
        call_command("recommend_offline", "--ratings", str(tmp_path / "nope.csv"), "--users", ratings,
                     "--out", str(tmp_path / "o.csv"), verbosity=0)
    with pytest.raises(CommandError, match="users.txt.*no such file"):
        call_command("recommend_offline", "--ratings", ratings, "--users", str(tmp_path / "users.txt"),
                     "--out", str(tmp_path / "o.csv"), verbosity=0)


def test_evaluate_recommender_reports_models_and_cold_start(files, tmp_path):
    _, ratings, movies, _ = files
    out = tmp_path / "eval.json"
    call_command("evaluate_recommender", "--ratings", ratings, "--items", movies, "--json", str(out),
                 "--cold-start", verbosity=0)
    res = json.loads(out.read_text())
    split = res["split"]
    assert split["protocol"]["seed"] == 42 and split["protocol"]["k"] == 10
    models = split["models"]
    assert set(models) == {"most_popular", "item_knn", "lightfm", "ease", "hybrid"}
    for m in models.values():
        assert {"precision", "recall", "ndcg", "map", "coverage", "train_seconds"} <= set(m)
    assert models["hybrid"]["ndcg"] > models["most_popular"]["ndcg"] + 0.15
    cold = res["cold_start"]["models"]
    assert cold["hybrid"]["auc"] > 0.8
    assert abs(cold["lightfm_id_only"]["auc"] - 0.5) < 0.15
    assert res["cold_start"]["protocol"]["held_out_items"] == 32


def test_evaluate_recommender_split_by_item(files, tmp_path):
    _, ratings, movies, _ = files
    out = tmp_path / "eval.json"
    call_command("evaluate_recommender", "--ratings", ratings, "--items", movies, "--json", str(out), "--by", "item",
                 "--no-search", verbosity=0)
    res = json.loads(out.read_text())
    assert "per item" in res["split"]["protocol"]["split"]
    assert res["split"]["models"]["hybrid"]["ndcg"] > res["split"]["models"]["most_popular"]["ndcg"]


# --- liked_offline ------------------------------------------------------------------------------
def _queries(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_liked_offline_answers_every_query_from_one_training(files, tmp_path, monkeypatch):
    from recommendations.ml import offline

    d, ratings, movies, _ = files
    block = {c: sorted((i for i, k in d["item_cluster"].items() if k == c), key=int) for c in range(d["n_clusters"])}
    q = _queries(tmp_path / "q.csv", "query_id,item_ids\n"
                 f"one,{block[0][0]}\n"
                 f"three,{block[1][0]}|{block[1][1]}|{block[1][2]}\n"
                 "lost,999999|888888\n"
                 f"partly,{block[2][0]}|999999\n")
    fits = []
    real = offline.train_recommender
    monkeypatch.setattr(offline, "train_recommender", lambda *a, **kw: fits.append(1) or real(*a, **kw))
    out = tmp_path / "liked.csv"
    call_command("liked_offline", "--ratings", ratings, "--items", movies, "--queries", q, "--k", "5",
                 "--out", str(out), "--no-search", verbosity=0)
    assert fits == [1]  # trained once, every query answered from that model
    rows = read_out(out)
    assert list(rows[0]) == ["query_id", "item_id", "rank"]
    by = {}
    for r in rows:
        by.setdefault(r["query_id"], []).append((int(r["rank"]), r["item_id"]))
    assert list(by) == ["one", "three", "lost", "partly"]
    for qid, cluster, query in (("one", 0, block[0][:1]), ("three", 1, block[1][:3]), ("partly", 2, block[2][:1])):
        recs = [i for _, i in sorted(by[qid])]
        assert [rk for rk, _ in sorted(by[qid])] == [1, 2, 3, 4, 5]
        assert not set(recs) & set(query)  # never an item of the query
        assert sum(d["item_cluster"][i] == cluster for i in recs) >= 4  # the planted taste
    counts = Counter(d["items"].tolist())
    assert len(by["lost"]) == 5 and all(counts[i] >= sorted(counts.values())[-10] for _, i in by["lost"])


@pytest.mark.parametrize("text, message", [
    ("query,items\nq,1\n", "line 1, field 'header'"),
    ("query_id,item_ids\nq1,1\nq1,2\n", "line 3, field 'query_id': 'q1' appears twice"),
    ("query_id,item_ids\nq1,\n", "line 2, field 'item_ids': no item id"),
    ("query_id,item_ids\n,5\n", "line 2, field 'query_id': empty"),
    ("", "line 1, field 'header': empty file"),
])
def test_liked_offline_bad_queries_name_file_line_and_field(files, tmp_path, text, message):
    _, ratings, movies, _ = files
    q = _queries(tmp_path / "q.csv", text)
    out = tmp_path / "never.csv"
    with pytest.raises(CommandError, match=message) as exc:
        call_command("liked_offline", "--ratings", ratings, "--queries", q, "--out", str(out), verbosity=0)
    assert str(q) in str(exc.value) and not out.exists()
