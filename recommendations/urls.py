"""HTML pages of the recommendations app."""
from django.urls import path  # noqa: F401

app_name = "recommendations"
urlpatterns = []
