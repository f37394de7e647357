from django.apps import AppConfig


class PopularityConfig(AppConfig):
    name = "popularity"
    verbose_name = "Popularity prediction"
