"""Serializer fields whose OpenAPI schema states a rule the plain DRF field checks in code."""
import math

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


class StepFloatField(serializers.FloatField):
    """A float in [min_value, max_value] that is a multiple of `step` (schema: `multipleOf`)."""

    def __init__(self, *, step: float, **kwargs):
        self.step = step
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        rest = math.fmod(abs(value), self.step)  # finite for any finite value (value / step may overflow)
        if min(rest, self.step - rest) > 1e-9:
            raise serializers.ValidationError(f"Must be a multiple of {self.step:g}.")
        return value


class StepIntegerField(serializers.IntegerField):
    """An integer multiple of `step` (schema: `multipleOf`), e.g. a decade."""

    def __init__(self, *, step: int, step_message: str | None = None, **kwargs):
        self.step, self.step_message = step, step_message
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value % self.step:
            raise serializers.ValidationError(self.step_message or f"Must be a multiple of {self.step}.")
        return value


class _StepFieldSchema:
    """drf-spectacular: the field's usual schema plus `multipleOf`."""

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        schema["multipleOf"] = self.target.step
        return schema


# Registered when this module is imported (the serializers that use the fields import it).
class StepFloatFieldSchema(_StepFieldSchema, OpenApiSerializerFieldExtension):
    target_class = StepFloatField


class StepIntegerFieldSchema(_StepFieldSchema, OpenApiSerializerFieldExtension):
    target_class = StepIntegerField


def query_data(query_params) -> dict:
    """The query string as serializer input that keeps its blanks. DRF treats a QueryDict as an
    HTML form, where a blank non-required field counts as absent (`?type=` passes a title-type
    choice); the API holds to its schema, where a blank is not a valid choice or integer, and a
    parameter given twice is refused rather than read as its last value."""
    repeated = sorted(k for k, values in query_params.lists() if len(values) > 1)
    if repeated:  # the schema has no arrays in query strings: `?k=1&k=2` is not one value
        raise serializers.ValidationError({k: ["Give this parameter once."] for k in repeated})
    return {k: query_params.get(k) for k in query_params}


class StrictCharField(serializers.CharField):
    """A JSON string, nothing else: DRF's CharField turns a number into its text (`5` → "5"),
    which the schema (`type: string`) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
