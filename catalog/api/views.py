from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.api.serializers import (
    AutocompleteSerializer,
    GenreSerializer,
    PersonBriefSerializer,
    PersonDetailSerializer,
    TitleDetailSerializer,
    TitleFilterSerializer,
    TitleListSerializer,
)
from core.api.fields import query_data

_ORDERING = {"title": "search_title", "-year": "-start_year", "year": "start_year",
             "-rating": "-imdb_rating", "-votes": "-imdb_votes"}


@extend_schema(parameters=[TitleFilterSerializer], tags=["catalog"])
class TitleListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = TitleListSerializer

    def get_queryset(self):
        f = TitleFilterSerializer(data=query_data(self.request.query_params))
        f.is_valid(raise_exception=True)
        d = f.validated_data
        return selectors.title_list(title_type=d.get("type"), genre=d.get("genre") or None, decade=d.get("decade"),
                                    year_min=d.get("year_min"), year_max=d.get("year_max"), q=d.get("q") or None,
                                    order=_ORDERING[d["ordering"]])


class TitleDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=TitleDetailSerializer, tags=["catalog"])
    def get(self, request, title_id: int):
        return Response(TitleDetailSerializer(selectors.title_get(title_id=title_id)).data)


@extend_schema(parameters=[OpenApiParameter("q", str, required=False)], tags=["catalog"])
class PersonListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = PersonBriefSerializer

    def get_queryset(self):
        return selectors.person_list(q=self.request.query_params.get("q", "")[:200])


class PersonDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PersonDetailSerializer, tags=["catalog"])
    def get(self, request, person_id: int):
        return Response(PersonDetailSerializer(selectors.person_get(person_id=person_id)).data)


@extend_schema(tags=["catalog"])
class GenreListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = GenreSerializer
    queryset = selectors.genre_list()


class AutocompleteApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("q", str, required=False,
                                                description="What was typed (empty or absent: no suggestions).")],
                   responses=AutocompleteSerializer, tags=["catalog"])
    def get(self, request):
        q = request.query_params.get("q", "")[:200]
        return Response(AutocompleteSerializer(selectors.search_autocomplete(q=q)).data)
