from django.urls import path

from interactions.api import views

urlpatterns = [
    path("events/", views.EventsApi.as_view(), name="events"),
    path("me/history/", views.HistoryListApi.as_view(), name="history"),
    path("me/history/<id:title_id>/", views.HistoryItemApi.as_view(), name="history-item"),
    path("me/ratings/<id:title_id>/", views.RatingApi.as_view(), name="rating"),
]
