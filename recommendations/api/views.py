from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import TitleListSerializer
from core import selectors as core_selectors
from core.api.fields import query_data
from core.errors import ValidationFailed
from recommendations import selectors, services
from recommendations.api.serializers import (
    ForTitlesQuerySerializer,
    ForTitlesSerializer,
    ModelVersionSerializer,
    NotificationSerializer,
    RecListSerializer,
    SimilarQuerySerializer,
    TrainAcceptedSerializer,
    TrainRequestSerializer,
    UserRecQuerySerializer,
)


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


@extend_schema_view(get=extend_schema(parameters=[OpenApiParameter("name", str, required=False,
                                                                 enum=["recommender", "popularity"])]))
@extend_schema(tags=["models"])
class ModelVersionsApi(generics.ListAPIView):
    """Model versions with their metrics. Staff can trigger a training with POST."""

    serializer_class = ModelVersionSerializer

    def get_permissions(self):
        return [IsAdminUser()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self):
        name = self.request.query_params.get("name")
        if name is not None and name not in ("recommender", "popularity"):
            raise ValidationError({"name": ["name must be recommender or popularity."]})
        return core_selectors.model_versions(name=name)

    @extend_schema(request=TrainRequestSerializer, responses={202: TrainAcceptedSerializer})
    def post(self, request):
        s = TrainRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.training_enqueue(name=s.validated_data["name"], reason=f"api:{request.user.username}")
        return Response({"name": s.validated_data["name"], "status": "queued"}, status=status.HTTP_202_ACCEPTED)


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
        n = services.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationSerializer(n).data)
