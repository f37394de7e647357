from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        """The dashboard's cache goes stale whenever the data under it changes (`core.signals`)."""
        from analytics import services
        from core.signals import data_changed

        def on_data_changed(sender, *, warm=False, **kwargs):
            services.analytics_cache_invalidate(warm=warm)

        self._on_data_changed = on_data_changed  # a strong reference: signals keep weak ones
        data_changed.connect(on_data_changed, dispatch_uid="analytics.data_changed")
