"""The analytics app's answers to other apps' signals (connected in `AnalyticsConfig.ready`)."""
from analytics import services


def on_data_changed(sender, *, warm=False, **kwargs):
    """The catalog or a model changed: the dashboard's cached KPIs are stale."""
    services.analytics_cache_invalidate(warm=warm)
