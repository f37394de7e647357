"""Model-version registry shared by the recommender and the popularity model."""
from django.db import models
from django.db.models import Q


class ModelVersion(models.Model):
    class Name(models.TextChoices):
        RECOMMENDER = "recommender", "Recommender"
        POPULARITY = "popularity", "Popularity"

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        READY = "ready", "Ready (not active)"
        ACTIVE = "active", "Active"
        REJECTED = "rejected", "Rejected by the quality gate"
        FAILED = "failed", "Failed"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=32, choices=Name.choices, db_index=True)
    version = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRAINING)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    data_counts = models.JSONField(default=dict, blank=True)
    artifact_dir = models.CharField(max_length=500, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    gate = models.JSONField(default=dict, blank=True, help_text="Quality-gate inputs and verdict.")
    error = models.TextField(blank=True)
    triggered_by = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="modelversion_unique_version"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(is_active=True), name="modelversion_one_active_per_name"
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.version} ({self.status})"
