from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/signup/", views.SignupApi.as_view(), name="signup"),
    path("auth/token/", views.TokenApi.as_view(), name="token"),
]
