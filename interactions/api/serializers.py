"""Request/response shapes of the interactions API.

Event items are validated by `interactions.services.events.events_record` itself (it is shared
by every source and names each bad item and field); `EventInSerializer` documents the shape in
the OpenAPI schema and `events_payload_items` checks the envelope (object or list, batch size).
"""
from django.conf import settings
from rest_framework import serializers

from core.api.fields import StepFloatField
from core.errors import ValidationFailed
from interactions.models import EventKind


class EventInSerializer(serializers.Serializer):
    event_id = serializers.UUIDField(help_text="Client-generated UUID; re-sending the same id is a no-op.")
    title_id = serializers.IntegerField(min_value=1, help_text="Catalog title id.")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    value = serializers.FloatField(
        required=False, allow_null=True,
        help_text="`rating`: 0.5–5 in steps of 0.5 (required). Other kinds: watch position/progress ≥ 0.")
    client_ts = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it happened on the client (ISO 8601; ≤ 24 h ahead).")
    user_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="Only service tokens (`accounts.post_events_for_any_user`) or staff may post for another viewer.")


class EventBatchResultSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="Events stored by this request.")
    duplicates = serializers.IntegerField(help_text="Events already stored (same event_id) or repeated in the batch.")


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        required=False, child=serializers.JSONField(),
        help_text="Per item index (or field), per field: the list of messages.")


class TitleBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    primary_title = serializers.CharField()
    start_year = serializers.IntegerField(allow_null=True)
    title_type = serializers.CharField()
    poster_path = serializers.CharField()


class HistoryItemSerializer(serializers.Serializer):
    title = TitleBriefSerializer()
    weight = serializers.FloatField()
    implicit_score = serializers.FloatField()
    rating = serializers.FloatField(allow_null=True)
    full_watches = serializers.IntegerField()
    event_count = serializers.IntegerField()
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()


class RatingInSerializer(serializers.Serializer):
    stars = StepFloatField(step=0.5, min_value=0.5, max_value=5, help_text="0.5 to 5 in steps of 0.5.")


class RatingOutSerializer(serializers.Serializer):
    title_id = serializers.IntegerField()
    stars = serializers.FloatField()
    weight = serializers.FloatField()


def events_payload_items(data) -> list:
    """The list of raw items from a request body (one object or a list), size-checked."""
    limit = settings.NETFLOOX_EVENTS_MAX_BATCH
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise ValidationFailed("Expected an event object or a list of event objects.",
                               errors={"non_field_errors": ["Expected an event object or a list of event objects."]})
    if not data:
        raise ValidationFailed("The batch is empty.", errors={"non_field_errors": ["Send at least one event."]})
    if len(data) > limit:
        raise ValidationFailed(
            f"Too many events in one request: {len(data)} > {limit} (NETFLOOX_EVENTS_MAX_BATCH); split the batch.",
            errors={"non_field_errors": [f"At most {limit} events per request."]})
    return data
