"""Model KPIs: how well the models do — the recommendations' click-through (online) and the
metrics stored with every trained model version (offline).

Definitions in docs/analytics.md.
"""
from __future__ import annotations

import math

from django.db import connection
from django.db.models import Count

from analytics.filters import ViewingFilters
from analytics.selectors.common import fetch_all, sql_datetime, viewing_window
from core.models import ModelVersion
from interactions.models import Event, EventKind
from recommendations.models import RecommendationSnapshot

CTR_TOP_K = 10


def _ctr_sql() -> str:
    snap = connection.ops.quote_name(RecommendationSnapshot._meta.db_table)
    event = connection.ops.quote_name(Event._meta.db_table)
    if connection.vendor == "postgresql":
        # Malformed rows (not a list, non-numeric ids) are skipped rather than failing the query.
        items = ("jsonb_array_elements(CASE WHEN jsonb_typeof(s.items::jsonb) = 'array' THEN s.items::jsonb "
                 "ELSE '[]'::jsonb END) WITH ORDINALITY AS it(value, pos)")
        title = ("CASE WHEN jsonb_typeof(it.value) = 'object' AND (it.value->>'title_id') ~ '^[0-9]{1,18}$' "
                 "THEN CAST(it.value->>'title_id' AS BIGINT) END")
        pos = "it.pos - 1"
    elif connection.vendor == "sqlite":
        items = "json_each(CASE WHEN json_valid(s.items) AND json_type(s.items) = 'array' THEN s.items ELSE '[]' END) AS it"
        tid = "json_extract(it.value, '$.title_id')"
        title = (f"CASE WHEN it.type = 'object' AND (json_type(it.value, '$.title_id') = 'integer' OR "
                 f"(json_type(it.value, '$.title_id') = 'text' AND {tid} <> '' AND {tid} NOT GLOB '*[^0-9]*')) "
                 f"THEN CAST({tid} AS INTEGER) END")
        pos = "CAST(it.key AS INTEGER)"
    else:  # pragma: no cover - the project supports SQLite and PostgreSQL only
        raise NotImplementedError(connection.vendor)
    # One statement: each (viewer, list, title) once with its first recommendation time and whether
    # a play/full_watch followed; then per list, and per (viewer, title) across lists (a pair is
    # converted overall iff it is converted for the list that recommended it first).
    return f"""
        WITH recs AS (
            SELECT s.user_id AS user_id, s.reason AS reason, {title} AS title_id, MIN(s.created_at) AS first_at
            FROM {snap} s, {items}
            WHERE s.created_at >= %s AND {pos} < %s
            GROUP BY s.user_id, s.reason, {title}
        ),
        conv AS (
            SELECT user_id, reason, title_id,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM {event} e
                       WHERE e.user_id = recs.user_id AND e.title_id = recs.title_id
                         AND e.kind IN (%s, %s) AND e.server_ts > recs.first_at
                   ) THEN 1 ELSE 0 END AS converted
            FROM recs WHERE title_id IS NOT NULL
        )
        SELECT reason, COUNT(*), SUM(converted) FROM conv GROUP BY reason
        UNION ALL
        SELECT NULL, COUNT(*), SUM(c) FROM (SELECT user_id, title_id, MAX(converted) AS c FROM conv
                                            GROUP BY user_id, title_id) pairs
    """


def kpi_recommendation_ctr(*, filters: ViewingFilters, k: int = CTR_TOP_K) -> dict:
    """Share of (viewer, recommended title) pairs the viewer later played or watched."""
    since, _ = viewing_window(filters)
    params = [sql_datetime(since), k, EventKind.PLAY, EventKind.FULL_WATCH]
    snaps = RecommendationSnapshot.objects.filter(created_at__gte=since).aggregate(
        n=Count("id"), viewers=Count("user_id", distinct=True))
    out = {"k": k, "snapshots": snaps["n"], "viewers": snaps["viewers"], "pairs": 0, "converted": 0,
           "ctr": None, "by_reason": []}
    if not snaps["n"]:
        return out
    labels = dict(RecommendationSnapshot.Reason.choices)
    for reason, pairs, converted in fetch_all(_ctr_sql(), params):
        pairs, converted = int(pairs or 0), int(converted or 0)
        if reason is None:
            out["pairs"], out["converted"] = pairs, converted
            out["ctr"] = converted / pairs if pairs else None
        else:
            out["by_reason"].append({"reason": reason, "label": str(labels.get(reason, reason)), "pairs": pairs,
                                     "converted": converted, "ctr": converted / pairs if pairs else None})
    out["by_reason"].sort(key=lambda r: r["reason"])
    return out


def _flatten_metrics(metrics, prefix=""):
    out = {}
    if not isinstance(metrics, dict):
        return out
    for k, v in metrics.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float) and math.isfinite(v):
            out[key] = float(v)
        elif isinstance(v, dict) and not prefix:  # one level of nesting: {"test": {"ndcg@10": …}}
            out.update(_flatten_metrics(v, prefix=f"{key}."))
    return out


def kpi_model_metrics(*, filters: ViewingFilters | None = None, per_name: int = 50) -> dict:
    """Numeric metrics of every model version (recommender, popularity), oldest first."""
    names = [n for n, _ in ModelVersion.Name.choices]
    rows = list(ModelVersion.objects.order_by("-created_at", "-id")
                .values("name", "version", "status", "is_active", "created_at", "metrics")[:per_name * len(names)])
    models = []
    for name in names:
        versions = [r for r in reversed(rows) if r["name"] == name][-per_name:]
        keys = sorted({k for r in versions for k in _flatten_metrics(r["metrics"])})
        models.append({
            "name": name, "metric_names": keys,
            "versions": [{"version": r["version"], "status": r["status"], "is_active": r["is_active"],
                          "created_at": r["created_at"].isoformat(),
                          "metrics": [{"name": k, "value": v} for k, v in sorted(_flatten_metrics(r["metrics"]).items())]}
                         for r in versions],
        })
    return {"models": models}
