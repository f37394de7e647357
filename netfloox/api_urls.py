"""The one API router: every app's API under /api/."""
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.exceptions import api_not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("core.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("interactions.api.urls")),
    path("", include("recommendations.api.urls")),
    path("popularity/", include("popularity.api.urls")),
    path("analytics/", include("analytics.api.urls")),
    # Anything else under /api/ is a JSON 404, also with DEBUG on (whose 404 page is HTML).
    re_path(r"^.*$", api_not_found, name="not-found"),
]
