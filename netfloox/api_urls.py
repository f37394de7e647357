"""The one API router: every app's API under /api/."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("interactions.api.urls")),
    path("", include("recommendations.api.urls")),
    path("popularity/", include("popularity.api.urls")),
    path("analytics/", include("analytics.api.urls")),
]
