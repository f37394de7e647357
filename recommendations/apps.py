from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self):
        """Subscribe to what the interactions app announces (`interactions.signals`): it never
        imports this app, this app listens to it. Also answer the model registry's training
        requests (`core.signals.training_requested`) for the recommender."""
        from core.signals import training_requested
        from interactions import signals
        from recommendations import receivers

        signals.films_finished.connect(receivers.on_films_finished, dispatch_uid="recommendations.films_finished")
        signals.history_changed.connect(receivers.on_history_changed,
                                        dispatch_uid="recommendations.history_changed")
        signals.retrain_wanted.connect(receivers.on_retrain_wanted, dispatch_uid="recommendations.retrain_wanted")
        training_requested.connect(receivers.on_training_requested, dispatch_uid="recommendations.training_requested")
