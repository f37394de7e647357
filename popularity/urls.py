"""HTML pages of the popularity app."""
from django.urls import path  # noqa: F401

app_name = "popularity"
urlpatterns = []
