from django.urls import path

from core.api import views

urlpatterns = [
    path("models/", views.ModelVersionsApi.as_view(), name="model-versions"),
]
