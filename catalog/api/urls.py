from django.urls import path

from catalog.api import views

urlpatterns = [
    path("titles/", views.TitleListApi.as_view(), name="title-list"),
    path("titles/<id:title_id>/", views.TitleDetailApi.as_view(), name="title-detail"),
    path("people/", views.PersonListApi.as_view(), name="person-list"),
    path("people/<id:person_id>/", views.PersonDetailApi.as_view(), name="person-detail"),
    path("genres/", views.GenreListApi.as_view(), name="genre-list"),
    path("search/autocomplete/", views.AutocompleteApi.as_view(), name="autocomplete"),
]
