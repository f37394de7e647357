from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from popularity.api.serializers import PredictRequestSerializer, PredictResponseSerializer
from popularity.services import popularity_predict


class PredictApi(APIView):
    """Estimate a film project's rating from pre-release characteristics, with the reasons."""

    permission_classes = [AllowAny]

    @extend_schema(request=PredictRequestSerializer, responses={200: PredictResponseSerializer},
                   tags=["popularity"])
    def post(self, request):
        s = PredictRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(popularity_predict(inputs=s.validated_data, user=request.user))
