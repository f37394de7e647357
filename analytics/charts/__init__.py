"""Plotly figure builders and one-line readings, from the KPI data of `analytics.selectors`.

One module per chart family, matching the KPI families: ``catalog``, ``people``, ``viewing``,
``model_quality``; ``common`` holds what they share (colours, layout, "No data", reading words).
The figures are `analytics.figure.Figure` objects (Plotly JSON built directly).

This package's public API is the two registries below, merged from the families':
`FIGURES[slug](data, ctx) -> analytics.figure.Figure` and `READINGS[slug](data, ctx) -> str`.
Pure functions (no database). `ctx` carries the filters' description. Every figure has a title, a
subtitle with units and scope, labelled axes, the dark theme, and shows a "No data" notice instead
of failing when the data is empty.
"""
from __future__ import annotations

from analytics.charts import catalog, model_quality, people, viewing

_FAMILIES = (people, catalog, viewing, model_quality)

FIGURES = {slug: fig for family in _FAMILIES for slug, fig in family.FIGURES.items()}
READINGS = {slug: read for family in _FAMILIES for slug, read in family.READINGS.items()}
