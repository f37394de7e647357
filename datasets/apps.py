from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Public data sets and the demo, loaded into every app's tables (importers, downloads,
    generated demo catalog and viewers, the real-time demo loop, "train every model").

    It sits above the apps it writes to (catalog, accounts, interactions, the models), so none of
    them knows where their rows came from."""

    name = "datasets"
    verbose_name = "Data sets"
