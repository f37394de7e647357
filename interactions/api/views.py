"""Thin API views: envelope checks → one service/selector call → serialized response.

Token authentication is listed first so that an unauthenticated call gets 401 (with
`WWW-Authenticate: Token`) rather than DRF's 403 for session-first views.
"""
from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import TokenAuthentication
from interactions import selectors
from interactions.api.serializers import (
    ApiErrorSerializer,
    EventBatchResultSerializer,
    EventInSerializer,
    HistoryItemSerializer,
    RatingInSerializer,
    RatingOutSerializer,
    events_payload_items,
)
from interactions.models import EventSource
from interactions.services.events import events_record
from interactions.services.history import interaction_hide
from interactions.services.ratings import rating_set
from interactions.services.tokens import can_post_for_any_user

_ERR = {
    400: OpenApiResponse(ApiErrorSerializer, description="Invalid input: `errors` names each bad item and field."),
    401: OpenApiResponse(ApiErrorSerializer, description="Not authenticated."),
    403: OpenApiResponse(ApiErrorSerializer, description="Not allowed (e.g. posting for another viewer)."),
}
_TITLE_ID = OpenApiParameter("title_id", int, OpenApiParameter.PATH, description="Catalog title id.")


class _EventsSchema(AutoSchema):
    """Request body: one event object, or a list of 1..NETFLOOX_EVENTS_MAX_BATCH of them (oneOf)."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        item = self.resolve_serializer(EventInSerializer(), direction).ref
        batch = {"type": "array", "items": item, "minItems": 1, "maxItems": settings.NETFLOOX_EVENTS_MAX_BATCH}
        return {"oneOf": [item, batch]}, True


AUTH = [TokenAuthentication, SessionAuthentication]


def _source(request):
    """Session-authenticated calls come from the site's own player; tokens are API clients."""
    return EventSource.WEB if isinstance(request.successful_authenticator, SessionAuthentication) else EventSource.API


def _posts_for_someone_else(items, user_id):
    return any(isinstance(it, dict) and it.get("user_id") not in (None, user_id, str(user_id)) for it in items)


class EventsApi(APIView):
    schema = _EventsSchema()
    authentication_classes = AUTH
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="events_create",
        summary="Record one event or a batch (all-or-nothing, idempotent by event_id)",
        description=(
            "Body: one event object or a list of at most `NETFLOOX_EVENTS_MAX_BATCH` (default 1000) events. "
            "A batch with any invalid item stores nothing (400 names each item index and field). "
            "Re-sent `event_id`s are counted as duplicates, never stored twice. 201 when at least one event "
            "was stored, 200 when all were duplicates."),
        request=EventInSerializer,
        responses={201: EventBatchResultSerializer, 200: EventBatchResultSerializer, **_ERR},
        examples=[OpenApiExample("A finished film", request_only=True, value={
            "event_id": "0b5c8a4e-3f7e-4d2a-9c1b-5e6f7a8b9c0d", "title_id": 42, "kind": "full_watch",
            "client_ts": "2024-05-01T21:40:00Z"})],
        tags=["interactions"],
    )
    def post(self, request):
        items = events_payload_items(request.data)
        allow = _posts_for_someone_else(items, request.user.pk) and can_post_for_any_user(request.user)
        result = events_record(events=items, actor=request.user, source=_source(request), allow_any_user=allow)
        return Response({"stored": result.stored, "duplicates": result.duplicates},
                        status=status.HTTP_201_CREATED if result.stored else status.HTTP_200_OK)


@extend_schema(tags=["interactions"], responses={200: HistoryItemSerializer(many=True), 401: _ERR[401]})
class HistoryListApi(generics.ListAPIView):
    """The viewer's watch history (titles removed from history are not listed), most recent first."""

    authentication_classes = AUTH
    serializer_class = HistoryItemSerializer

    def get_queryset(self):
        return selectors.history_list(user=self.request.user)


class HistoryItemApi(APIView):
    authentication_classes = AUTH

    @extend_schema(
        summary="Remove a title from my history",
        description="Hides the title's aggregate (no longer in the history, in training or in serving); the "
                    "events themselves are kept (the log is append-only). A new event on the title un-hides it.",
        parameters=[_TITLE_ID], request=None,
        responses={204: None, 401: _ERR[401],
                   404: OpenApiResponse(ApiErrorSerializer, description="Not in your history.")},
        tags=["interactions"])
    def delete(self, request, title_id: int):
        interaction_hide(user=request.user, title_id=title_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RatingApi(APIView):
    authentication_classes = AUTH
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Rate a title (0.5–5 stars)", parameters=[_TITLE_ID], request=RatingInSerializer,
        responses={200: RatingOutSerializer, 400: _ERR[400], 401: _ERR[401],
                   404: OpenApiResponse(ApiErrorSerializer, description="No such title.")},
        tags=["interactions"])
    def put(self, request, title_id: int):
        s = RatingInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        interaction = rating_set(user=request.user, title_id=title_id, stars=s.validated_data["stars"],
                                 source=_source(request))
        return Response({"title_id": interaction.title_id, "stars": interaction.rating, "weight": interaction.weight})
