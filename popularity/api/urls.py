from django.urls import path

from popularity.api import views

urlpatterns = [
    path("predict/", views.PredictApi.as_view(), name="popularity-predict"),
]
