"""Viewing KPIs against numbers computed by hand on the conftest event log."""
import pytest

from analytics.filters import ViewingFilters
from analytics.selectors.model_quality import kpi_model_metrics, kpi_recommendation_ctr
from analytics.selectors.viewing import kpi_active_viewers, kpi_completion, kpi_events_per_day, kpi_watched_abandoned

W30 = ViewingFilters(days=30)


def test_events_per_day_counts_each_kind_inside_the_window(viewing):
    d = kpi_events_per_day(filters=W30)
    # The 40-day-old play is outside the window.
    assert d["totals"] == {"thumbnail_click": 1, "play": 3, "skip": 0, "close": 2, "full_watch": 2, "rating": 0}
    assert d["events"] == 8
    assert len(d["days"]) in (31, 32)  # every day of the window, even empty ones
    assert sum(r["play"] for r in d["days"]) == 3


def test_completion_rate_is_finishers_over_starters(viewing, catalog):
    d = kpi_completion(filters=W30)
    # One: u1, u2 played, u1 finished; Two: u3 played; Three: u2 finished without a play event.
    assert (d["starters"], d["finishers"]) == (3, 2)
    assert d["completion_rate"] == pytest.approx(2 / 3)
    rows = {r["title"]: (r["starters"], r["finishers"], r["completion_rate"]) for r in d["titles"]}
    assert rows["One"] == (2, 1, 0.5)
    assert rows["Two"] == (1, 0, 0.0)
    assert "Three" not in rows  # no starter: no per-title rate


def test_most_watched_and_most_abandoned(viewing):
    d = kpi_watched_abandoned(filters=W30)
    assert [(r["title"], r["viewers"]) for r in d["most_watched"]] == [("One", 1), ("Three", 1)]
    # u2 closed One and never finished it; u3 closed Two. u1 finished One: not an abandon.
    assert [(r["title"], r["viewers"]) for r in d["most_abandoned"]] == [("One", 1), ("Two", 1)]


def test_active_viewers_per_window(viewing):
    d = kpi_active_viewers(filters=W30)
    assert (d["last_1_day"], d["last_7_days"], d["last_30_days"]) == (2, 3, 3)
    assert sum(r["viewers"] for r in d["days"]) >= 3


def test_recommendation_click_through_counts_plays_after_the_first_recommendation(viewing):
    d = kpi_recommendation_ctr(filters=W30)
    # Pairs: u1×{One, Two, Three} (One played 50 h ago, after the 60-h snapshot; Two played 40 days
    # ago, before it); u2×{One, Three}, both played after the 100-h snapshot.
    assert (d["snapshots"], d["viewers"], d["pairs"], d["converted"]) == (3, 2, 5, 3)
    assert d["ctr"] == pytest.approx(0.6)
    by = {r["reason"]: (r["pairs"], r["converted"]) for r in d["by_reason"]}
    assert by == {"top_picks": (3, 1), "fallback": (2, 2)}


def test_recommendation_click_through_only_counts_the_first_k_items(viewing):
    d = kpi_recommendation_ctr(filters=W30, k=2)
    assert (d["pairs"], d["converted"]) == (4, 3)


def test_recommendation_click_through_is_undefined_without_snapshots(db):
    d = kpi_recommendation_ctr(filters=W30)
    assert (d["snapshots"], d["pairs"], d["ctr"], d["by_reason"]) == (0, 0, None, [])


def test_model_metrics_keep_numeric_values_per_version(viewing):
    d = kpi_model_metrics()
    rec = next(m for m in d["models"] if m["name"] == "recommender")
    assert [v["version"] for v in rec["versions"]] == ["v1", "v2"]
    assert rec["metric_names"] == ["ndcg@10", "recall@10", "test.ndcg@10"]  # booleans and text dropped
    assert rec["versions"][1]["metrics"] == [{"name": "ndcg@10", "value": 0.15}]
    pop = next(m for m in d["models"] if m["name"] == "popularity")
    assert pop["metric_names"] == ["r2", "rmse"]


def test_recommendation_click_through_skips_malformed_snapshot_items(viewing):
    from recommendations.models import RecommendationSnapshot

    u1 = viewing["users"][0]
    RecommendationSnapshot.objects.create(user=u1, reason="top_picks", items={"not": "a list"})
    RecommendationSnapshot.objects.create(user=u1, reason="top_picks", items=[7, {"title_id": "abc"}, {"score": 1}])
    d = kpi_recommendation_ctr(filters=W30)
    assert (d["snapshots"], d["pairs"], d["converted"]) == (5, 5, 3)
