from django.apps import AppConfig


class PopularityConfig(AppConfig):
    name = "popularity"
    verbose_name = "Popularity prediction"

    def ready(self):
        """Answer the model registry's training requests (`core.signals.training_requested`)."""
        from core.signals import training_requested
        from popularity import receivers

        training_requested.connect(receivers.on_training_requested, dispatch_uid="popularity.training_requested")
