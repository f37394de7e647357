from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    SignupResponseSerializer,
    SignupSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from core.errors import ApplicationError


class SignupApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=SignupSerializer, responses={201: SignupResponseSerializer}, tags=["auth"])
    def post(self, request):
        s = SignupSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = services.viewer_create(**s.validated_data)
        token = services.token_get_or_create(user=user)
        return Response({"id": user.id, "username": user.username, "email": user.email, "token": token},
                        status=status.HTTP_201_CREATED)


class InvalidCredentials(ApplicationError):
    code = "invalid_credentials"


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"])
    def post(self, request):
        s = TokenRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        # The HttpRequest itself: django-axes marks a locked-out sign-in on it, for its middleware.
        user = authenticate(request._request, **s.validated_data)
        if user is None:
            raise InvalidCredentials("Unable to log in with the provided credentials.")
        return Response({"token": services.token_get_or_create(user=user)})
