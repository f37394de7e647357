"""HTML pages of the catalog: home, title, person, search, player, generated artwork."""
from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("titles/<int:title_id>/", views.title_detail, name="title"),
    path("titles/<int:title_id>/watch/", views.player, name="player"),
    path("titles/<int:title_id>/poster.svg", views.poster, name="poster"),
    path("titles/<int:title_id>/backdrop.svg", views.backdrop, name="backdrop"),
    path("titles/cards/", views.cards, name="cards"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
]
