"""The pages composing several apps, at the paths viewers know (included at the site's root)."""
from django.urls import path

from web.views import browse, library

app_name = "web"
urlpatterns = [
    path("", browse.home, name="home"),
    path("search/", browse.search, name="search"),
    path("titles/<id:title_id>/", browse.title_detail, name="title"),
    path("titles/<id:title_id>/watch/", browse.player, name="player"),
    path("accounts/welcome/", library.onboarding, name="onboarding"),
    path("accounts/history/", library.history, name="history"),
    path("accounts/history/<id:title_id>/remove/", library.history_remove, name="history_remove"),
    path("accounts/ratings/", library.ratings, name="ratings"),
    path("accounts/ratings/<id:title_id>/", library.rate, name="rate"),
]
