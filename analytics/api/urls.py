"""Included at /api/analytics/ (namespace `api`): `api:analytics-<kpi>` per KPI."""
from django.urls import path

from analytics.api import views
from analytics.kpis import KPIS

urlpatterns = [path("", views.KpiIndexApi.as_view(), name="analytics-index")] + [
    path(f"{kpi.section}/{slug}/", views.VIEWS[slug].as_view(), name=f"analytics-{slug}")
    for slug, kpi in KPIS.items()
]
