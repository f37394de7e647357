"""The hand-built response of recommendation lists is exactly what the documented serializers give."""
import json
from decimal import Decimal

import numpy as np
import pytest
from rest_framework import serializers

from catalog.api.serializers import TitleDetailSerializer, TitleListSerializer
from catalog.models import Genre, Title
from recommendations.api.serializers import RecListSerializer
from recommendations.selectors import RecList


def _plain(x):
    return json.loads(json.dumps(x))


@pytest.fixture
def titles(db):
    drama = Genre.objects.create(name="Drama", slug="drama")
    crime = Genre.objects.create(name="Crime", slug="crime")
    full = Title.objects.create(primary_title="Full", title_type="movie", start_year=1994, runtime_minutes=142,
                                imdb_rating=Decimal("9.3"), imdb_votes=2_900_000, poster_path="/p.jpg",
                                imdb_id="tt0111161", tmdb_id=278, netflix_id=11, movielens_id=318)
    full.genres.set([drama, crime])
    round_rating = Title.objects.create(primary_title="Round", title_type="tvSeries", imdb_rating=Decimal("7"))
    round_rating.genres.set([drama])
    Title.objects.create(primary_title="Bare")  # every optional field empty, no genre
    return list(Title.objects.prefetch_related("genres").order_by("id"))


@pytest.mark.django_db
def test_title_card_fast_path_equals_the_model_serializer(titles):
    for t in titles:
        generic = serializers.ModelSerializer.to_representation(TitleListSerializer(), t)
        assert _plain(TitleListSerializer.card(t)) == _plain(generic)
        assert _plain(TitleListSerializer(t).data) == _plain(generic)
    assert TitleListSerializer.card(titles[1])["imdb_rating"] == "7.0"
    # subclasses keep the generic path (they add fields)
    assert "credits" in TitleDetailSerializer(titles[0]).data


@pytest.mark.django_db
@pytest.mark.parametrize("with_reason", [True, False])
def test_reclist_response_equals_the_documented_serializer(titles, with_reason):
    rec = RecList(titles=titles, scores=[np.float32(1.5), 0.25, None], source="fold_in", note="",
                  model_version="20261129T000000-abcdef", reason_title=titles[0] if with_reason else None)
    assert _plain(RecListSerializer.from_reclist(rec)) == _plain(RecListSerializer.from_reclist_generic(rec))
    fallback = RecList(titles=titles[:1], scores=[], source="popular", note="Popular picks", model_version=None)
    assert _plain(RecListSerializer.from_reclist(fallback)) == _plain(RecListSerializer.from_reclist_generic(fallback))


@pytest.mark.django_db
def test_cached_titles_build_their_card_once_and_hand_out_copies(titles, django_assert_num_queries):
    from catalog.selectors import titles_by_ids_cached

    ids = [t.id for t in titles]
    cached = titles_by_ids_cached(ids=ids)
    first = [TitleListSerializer.card(cached[i]) for i in ids]
    assert [_plain(c) for c in first] == [_plain(TitleListSerializer.card(t)) for t in titles]
    first[0]["primary_title"] = "changed by a caller"
    with django_assert_num_queries(0):  # the same instances, their cards memoized
        again = titles_by_ids_cached(ids=ids)
        assert TitleListSerializer.card(again[ids[0]])["primary_title"] == titles[0].primary_title
    # an instance that is not the cache's is read afresh: a view may change it
    t = titles[0]
    TitleListSerializer.card(t)
    t.primary_title = "Renamed"
    assert TitleListSerializer.card(t)["primary_title"] == "Renamed"


@pytest.mark.parametrize("query", ["", "k=10", "k=1", "k=100", "k=0", "k=101", "k=", "k=abc", "k=%C2%B2", "k=+5",
                                   "k=05", "k=5.0", "k=5&k=6", "k=5&type=movie", "type=movie", "genre=drama&k=3",
                                   "decade=1995", "decade=1990", "k=9999999", "other=1"])
def test_recommendation_query_fast_path_equals_the_serializer(query):
    from django.http import QueryDict
    from rest_framework.exceptions import ValidationError

    from recommendations.api.serializers import UserRecQuerySerializer

    params = QueryDict(query)

    def outcome(fn):
        try:
            return "ok", dict(fn())
        except ValidationError as exc:
            return "400", exc.detail

    def by_serializer():  # as the API reads a query: blanks kept, a repeated parameter refused
        from core.api.fields import query_data

        q = UserRecQuerySerializer(data=query_data(params))
        q.is_valid(raise_exception=True)
        return q.validated_data

    assert outcome(lambda: UserRecQuerySerializer.parse(params)) == outcome(by_serializer)
