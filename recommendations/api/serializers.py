from django.utils.translation import gettext as _
from rest_framework import serializers

from catalog.api.serializers import TitleListSerializer
from catalog.models import TitleType
from core.api.fields import StepIntegerField, query_data


class RecommendedTitleSerializer(serializers.Serializer):
    title = TitleListSerializer()
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField()
    because = TitleListSerializer(allow_null=True, help_text="\"I liked…\": the liked title this pick comes from")
    reason = serializers.CharField(allow_blank=True, help_text="Why, in words: \"Because you liked Heat\"")


def because_text(title) -> str:
    return "" if title is None else _("Because you liked %(title)s") % {"title": title.primary_title}


class RecListSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="model | fold_in | snapshot | features | popular")
    note = serializers.CharField(allow_blank=True, help_text="Shown to the viewer when this is a fallback")
    model_version = serializers.CharField(allow_null=True)
    reason_title = TitleListSerializer(allow_null=True)
    results = RecommendedTitleSerializer(many=True)

    @staticmethod
    def from_reclist(rec):
        """The response body: what this serializer would produce (it documents the schema), built
        directly — these lists are the hottest read of the API (tests check both agree)."""
        card = TitleListSerializer.card
        scores = rec.scores or [None] * len(rec.titles)
        because = rec.because or [None] * len(rec.titles)
        results = [{"title": card(t), "score": (None if s is None else float(s)), "rank": i + 1,
                    "because": None if b is None else card(b), "reason": because_text(b)}
                   for i, (t, s, b) in enumerate(zip(rec.titles, scores, because, strict=False))]
        return {"source": str(rec.source), "note": str(rec.note or ""),
                "model_version": None if rec.model_version is None else str(rec.model_version),
                "reason_title": None if rec.reason_title is None else card(rec.reason_title), "results": results}

    @staticmethod
    def from_reclist_generic(rec):
        because = rec.because or [None] * len(rec.titles)
        results = [{"title": t, "score": (None if s is None else float(s)), "rank": i + 1, "because": b,
                    "reason": because_text(b)}
                   for i, (t, s, b) in enumerate(zip(rec.titles, rec.scores or [None] * len(rec.titles), because,
                                                     strict=False))]
        return RecListSerializer({"source": rec.source, "note": rec.note or "", "model_version": rec.model_version,
                                  "reason_title": rec.reason_title, "results": results}).data


class KSerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=100, required=False, default=10)


class UserRecQuerySerializer(KSerializer):
    type = serializers.ChoiceField(choices=TitleType.choices, required=False, help_text="IMDb title type.")
    genre = serializers.SlugField(required=False, max_length=64)
    decade = StepIntegerField(step=10, step_message="A decade is a year ending in 0, e.g. 1990.", required=False,
                              min_value=1870, max_value=2100)

    @classmethod
    def parse(cls, query_params) -> dict:
        """The validated query. The common query (`k` alone, plain digits in range, or nothing) is
        read directly — building this serializer (it deep-copies its fields) cost more than the
        database part of the request; anything else goes through the serializer, whose 400s
        name the field (tests compare both paths)."""
        k = cls._declared_fields["k"]
        keys = list(query_params)
        if not keys:
            return {"k": k.default}
        if keys == ["k"]:
            raw = query_params.getlist("k")
            if (len(raw) == 1 and raw[0].isascii() and raw[0].isdigit() and len(raw[0]) <= 6
                    and k.min_value <= int(raw[0]) <= k.max_value):
                return {"k": int(raw[0])}
        q = cls(data=query_data(query_params))
        q.is_valid(raise_exception=True)
        return q.validated_data


class SimilarQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=50, required=False, default=5)


class ForTitlesQuerySerializer(SimilarQuerySerializer):
    ids = serializers.RegexField(r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,49}$", max_length=1000, required=False,
                                 help_text="Comma-separated Netfloox title ids (1 to 50 positive integers), e.g. 12,345. "
                                           "Unknown ids are ignored.",
                                 error_messages={"invalid": "ids must be 1 to 50 comma-separated positive integers."})
    titles = serializers.CharField(
        required=False, max_length=2000,
        help_text="Films as people type them, separated by |: names (\"Heat 1995\", \"Amelie\", an original title) "
                  "or ids of any source (tt0113277, tmdb:949, ml:6, netflix:3256, id:42). Each must find one "
                  "film: an ambiguous or unknown one is a 400 that lists it (with the candidates to choose from).")

    def validate_ids(self, value):
        return [int(x) for x in value.split(",")]

    def validate_titles(self, value):
        parts = [" ".join(p.split()) for p in value.split("|")]
        parts = [p for p in parts if p]
        if not parts:
            raise serializers.ValidationError("Give at least one film name or id.")
        if len(parts) > MAX_LIKED_TITLES:
            raise serializers.ValidationError(f"At most {MAX_LIKED_TITLES} films.")
        if any(len(p) > 200 for p in parts):
            raise serializers.ValidationError("A film name is at most 200 characters.")
        return list(dict.fromkeys(parts))

    def validate(self, attrs):
        if not attrs.get("ids") and not attrs.get("titles"):
            raise serializers.ValidationError({"titles": ["Give the films you liked: titles=Heat 1995|Amelie, "
                                                          "or ids=12,345."]})
        return attrs


MAX_LIKED_TITLES = 10


class ForTitlesSerializer(RecListSerializer):
    liked = TitleListSerializer(many=True, help_text="The films the query was understood as")


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    message = serializers.CharField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
