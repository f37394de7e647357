"""Chart figures and readings (being split into one module per chart family; this commit only
moves the file, so that its history follows ``analytics/charts/catalog.py``)."""
from analytics.charts.catalog import FIGURES, READINGS  # noqa: F401 - replaced by the next commit
