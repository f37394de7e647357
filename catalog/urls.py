"""HTML pages of the catalog: home, title, person, search, player, generated artwork."""
from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("titles/<id:title_id>/", views.title_detail, name="title"),
    path("titles/<id:title_id>/watch/", views.player, name="player"),
    path("titles/<id:title_id>/poster.svg", views.poster, name="poster"),
    path("titles/<id:title_id>/backdrop.svg", views.backdrop, name="backdrop"),
    path("titles/cards/", views.cards, name="cards"),
    path("people/<id:person_id>/", views.person_detail, name="person"),
]
