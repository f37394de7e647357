"""HTML pages of the analytics app."""
from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plotly-<str:version>.min.js", views.plotly_js, name="plotly-js"),
    path("export/<slug:slug>.csv", views.export_csv, name="export"),
    path("chart/<slug:chart>.json", views.chart_json, name="chart"),
]
