"""HTML pages of the popularity app (included at /popularity/)."""
from django.urls import path

from popularity import views

app_name = "popularity"
urlpatterns = [
    path("", views.estimate, name="estimate"),
]
