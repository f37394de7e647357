from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"
    verbose_name = "Interactions"

    def ready(self):
        """Two titles merged by the catalog: fold this app's per-(viewer, title) rows first."""
        from catalog.signals import titles_merging
        from interactions import receivers

        titles_merging.connect(receivers.on_titles_merging, dispatch_uid="interactions.titles_merging")
