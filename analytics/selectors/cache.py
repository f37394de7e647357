"""The analytics cache: its version and the keys and lifetimes of cached KPI results.

Every cached KPI, figure and genre list is keyed under the current version;
`analytics.services.analytics_cache_invalidate` bumps `VERSION_KEY`, which makes them all
unreachable at once (old entries expire by their TTL).
"""
from __future__ import annotations

from django.core.cache import cache

VERSION_KEY = "analytics:version"
CATALOG_TTL = 60 * 60  # catalog changes only through imports, which invalidate explicitly
VIEWING_TTL = 60  # events arrive all the time; a minute of staleness is fine for a dashboard


def cache_version() -> int:
    v = cache.get(VERSION_KEY)
    if v is None:
        cache.add(VERSION_KEY, 1, None)
        v = cache.get(VERSION_KEY) or 1
    return int(v)


def kpi_cache_key(*, slug: str, filters, options: dict | None, version: int, part: str = "data") -> str:
    opts = ",".join(f"{k}={v}" for k, v in sorted((options or {}).items()))
    return f"analytics:v{version}:{part}:{slug}:{filters.cache_key()}:{opts}"
