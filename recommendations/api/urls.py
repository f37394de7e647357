from django.urls import path

from recommendations.api import views

urlpatterns = [
    path("me/recommendations/", views.MyRecommendationsApi.as_view(), name="my-recommendations"),
    path("me/notifications/", views.MyNotificationsApi.as_view(), name="my-notifications"),
    path("me/notifications/<int:notification_id>/read/", views.NotificationReadApi.as_view(),
         name="notification-read"),
    path("titles/<int:title_id>/similar/", views.SimilarTitlesApi.as_view(), name="title-similar"),
    path("recommendations/for-titles/", views.ForTitlesApi.as_view(), name="for-titles"),
    path("models/", views.ModelVersionsApi.as_view(), name="model-versions"),
]
