"""The analytics app's answers to other apps' signals (connected in `AnalyticsConfig.ready`)."""
from django.db import transaction

from analytics import services, tasks


def on_data_changed(sender, *, warm=False, **kwargs):
    """The catalog or a model changed: the dashboard's cached KPIs are stale. `warm=True` (sent
    after big imports) also has a worker recompute the default dashboard once the current
    transaction commits, so its next visitor finds the charts computed."""
    services.analytics_cache_invalidate()
    if warm:
        transaction.on_commit(tasks.warm_dashboard_cache.delay)
