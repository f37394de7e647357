"""HTML pages of the catalog alone: a person, title cards, generated artwork (included at the root)."""
from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("titles/<id:title_id>/poster.svg", views.poster, name="poster"),
    path("titles/<id:title_id>/backdrop.svg", views.backdrop, name="backdrop"),
    path("titles/cards/", views.cards, name="cards"),
    path("people/<id:person_id>/", views.person_detail, name="person"),
]
