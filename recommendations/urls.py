"""HTML pages of the recommendations app (included at /recommendations/)."""
from django.urls import path

from recommendations import views

app_name = "recommendations"
urlpatterns = [
    path("i-liked/", views.i_liked, name="i_liked"),
]
