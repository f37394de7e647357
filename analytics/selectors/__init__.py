"""Every read of the analytics app: KPI numbers aggregated by the database, one module per KPI family.

==================  ==========================================================================
``catalog``         the titles: runtime by year, best rated, catalog size, budget vs revenue;
                    the genre list of the filter form
``people``          the actors and actresses: most present, films vs series, age at release
``viewing``         what viewers do: events per day, completion, watched/abandoned, active viewers
``model_quality``   how well the models do: recommendation click-through, model version metrics
``common``          what the families share: filters → scopes, the viewing window, raw-SQL helpers
``cache``           the cache version, and the keys and lifetimes of cached KPI results
==================  ==========================================================================

Each `kpi_*` function returns plain JSON-able data (ints, floats, strings, lists, dicts) computed
with ORM aggregates (GROUP BY, filtered COUNTs, `TruncDate`, arithmetic on columns), or one SQL
statement where the ORM cannot say it (the recommendation CTR, the distinct-viewer counts of
completion and active viewers) — never by loading a table into Python. Every function issues a
fixed number of queries whatever the catalog size. Results are cached by the KPI registry
(`analytics.kpis`), keyed by KPI, filters and the analytics cache version
(`analytics.services.analytics_cache_invalidate` bumps it).

Definitions (exact formulas and caveats) are in docs/analytics.md. This package imports nothing
itself: import the module of the family you read.
"""
