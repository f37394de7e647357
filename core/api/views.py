"""The model registry's API: every model's versions with their metrics; staff queue a training."""
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response

from core import selectors, services
from core.api.serializers import ModelVersionSerializer, TrainAcceptedSerializer, TrainRequestSerializer


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
        return selectors.model_versions(name=name)

    @extend_schema(request=TrainRequestSerializer, responses={202: TrainAcceptedSerializer})
    def post(self, request):
        s = TrainRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.model_training_request(name=s.validated_data["name"], reason=f"api:{request.user.username}")
        return Response({"name": s.validated_data["name"], "status": "queued"}, status=status.HTTP_202_ACCEPTED)
