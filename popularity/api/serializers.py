from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import TitleType
from core.api.fields import StrictCharField


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1,
                                                                    "maxLength": 255}]})
class PersonRefField(serializers.Field):
    """A person given by catalog id (integer) or by name (string)."""

    default_error_messages = {"invalid": "A person is a catalog id (integer) or a name (string).",
                              "null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            if data < 1 or data > 2**62:
                self.fail("invalid")
            return data
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")  # PostgreSQL cannot store NUL in text/JSON
        if isinstance(data, str) and data.strip() and len(data) <= 255:
            return data.strip()
        self.fail("invalid")

    def to_representation(self, value):
        return value


def _people():
    return serializers.ListField(child=PersonRefField(), required=False, max_length=30, default=list)


class PredictRequestSerializer(serializers.Serializer):
    title = StrictCharField(required=False, allow_blank=True, max_length=500)
    type = serializers.ChoiceField(choices=TitleType.choices, required=False, default=TitleType.MOVIE)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=1870, max_value=2100)
    runtime = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2000,
                                       help_text="minutes")
    budget = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**13,
                                      help_text="in the production's currency")
    genres = serializers.ListField(child=StrictCharField(max_length=64), required=False, max_length=20,
                                   default=list)
    directors = _people()
    writers = _people()
    producers = _people()
    actors = _people()
    country = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=128)
    language = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class ExplanationItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    effect = serializers.FloatField()


class ExplanationSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()
    effect = serializers.FloatField(help_text="rating points this input adds (+) or removes (−)")
    text = serializers.CharField()
    items = ExplanationItemSerializer(many=True, required=False)


class PredictResponseSerializer(serializers.Serializer):
    estimate = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()
    coverage = serializers.FloatField(help_text="nominal coverage of [low, high]")
    explanation = ExplanationSerializer(many=True)
    model_version = serializers.CharField(allow_null=True, help_text="null when no model is trained yet")
    note = serializers.CharField(allow_blank=True, help_text="shown to the user when this is a fallback")


