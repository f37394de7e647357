from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages that compose several apps: home, title, search, player, and the viewer's own
    onboarding, history and ratings. The top layer: it reads every app, none reads it."""

    name = "web"
    verbose_name = "Web pages"
