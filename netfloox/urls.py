from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from netfloox import views as root_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("netfloox.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", root_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("popularity/", include("popularity.urls")),
    path("analytics/", include("analytics.urls")),
    path("", include("catalog.urls")),
    path("", include("web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "netfloox.views.handler404"
handler500 = "netfloox.views.handler500"
