"""HTML pages of the catalog: home, title, person, search."""
from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("titles/<int:title_id>/", views.title_detail, name="title"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
]
