from django.urls import path

from recommendations.api import views

urlpatterns = [
    path("me/recommendations/", views.MyRecommendationsApi.as_view(), name="my-recommendations"),
    path("me/notifications/", views.MyNotificationsApi.as_view(), name="my-notifications"),
    path("me/notifications/<id:notification_id>/read/", views.NotificationReadApi.as_view(),
         name="notification-read"),
    path("titles/<id:title_id>/similar/", views.SimilarTitlesApi.as_view(), name="title-similar"),
    path("recommendations/for-titles/", views.ForTitlesApi.as_view(), name="for-titles"),
]
