"""HTML pages of the analytics app."""
from django.urls import path  # noqa: F401

app_name = "analytics"
urlpatterns = []
