from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        """The dashboard's cache goes stale whenever the data under it changes (`core.signals`)."""
        from analytics import receivers
        from core.signals import data_changed

        data_changed.connect(receivers.on_data_changed, dispatch_uid="analytics.data_changed")
