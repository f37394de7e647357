"""Serializers of the model registry (the versions of every model, and a training request)."""
from rest_framework import serializers

from core.models import ModelVersion


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "name", "version", "status", "is_active", "created_at", "trained_at", "activated_at",
                  "duration_s", "params", "metrics", "data_counts", "gate", "error", "triggered_by"]


class TrainRequestSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=ModelVersion.Name.choices)


class TrainAcceptedSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField()
