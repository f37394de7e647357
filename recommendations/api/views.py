from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import TitleListSerializer
from core.api.fields import query_data
from core.errors import ValidationFailed
from recommendations import selectors
from recommendations.api.serializers import (
    ForTitlesQuerySerializer,
    ForTitlesSerializer,
    NotificationSerializer,
    RecListSerializer,
    SimilarQuerySerializer,
    UserRecQuerySerializer,
)
from recommendations.services.notifications import notification_mark_read


class MyRecommendationsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[UserRecQuerySerializer], responses=RecListSerializer, tags=["recommendations"])
    def get(self, request):
        d = UserRecQuerySerializer.parse(request.query_params)
        rec = selectors.recommendations_for_user(user=request.user, k=d["k"], title_type=d.get("type"),
                                                 genre=d.get("genre"), decade=d.get("decade"))
        return Response(RecListSerializer.from_reclist(rec))


class SimilarTitlesApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[SimilarQuerySerializer], responses=RecListSerializer, tags=["recommendations"])
    def get(self, request, title_id: int):
        q = SimilarQuerySerializer(data=query_data(request.query_params))
        q.is_valid(raise_exception=True)
        catalog_selectors.title_ensure_exists(title_id=title_id)  # 404 when unknown
        rec = selectors.similar_titles(title_id=title_id, k=q.validated_data["k"])
        return Response(RecListSerializer.from_reclist(rec))


class ForTitlesApi(APIView):
    """"I liked…": five (``k``) films for someone who liked these, each with the liked film it
    comes from. Films are named by Netfloox ids (``ids``) or as people type them (``titles``)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[ForTitlesQuerySerializer], responses={200: ForTitlesSerializer},
                   tags=["recommendations"])
    def get(self, request):
        q = ForTitlesQuerySerializer(data=query_data(request.query_params))
        q.is_valid(raise_exception=True)
        found, unresolved = catalog_selectors.titles_resolve(texts=q.validated_data.get("titles") or [])
        title_ids = list(q.validated_data.get("ids") or []) + [t.pk for t in found]
        if unresolved:
            messages = [catalog_selectors.title_lookup_message(f) for f in unresolved]
            raise ValidationFailed(
                "Some films were not found: " + "; ".join(messages), field="titles", errors={"titles": messages},
                unresolved=[{"query": f.query, "status": f.status, "message": msg,
                             "candidates": [TitleListSerializer.card(t) for t in f.candidates]}
                            for f, msg in zip(unresolved, messages, strict=True)])
        rec = selectors.recommendations_for_titles(title_ids=title_ids, k=q.validated_data["k"])
        body = RecListSerializer.from_reclist(rec)
        liked = catalog_selectors.titles_by_ids_cached(ids=title_ids)
        body["liked"] = [TitleListSerializer.card(liked[t]) for t in dict.fromkeys(title_ids) if t in liked]
        return Response(body)


@extend_schema(tags=["recommendations"])
class MyNotificationsApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self):
        return selectors.notifications_for_user(user=self.request.user)


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer, tags=["recommendations"])
    def post(self, request, notification_id: int):
        n = notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationSerializer(n).data)
