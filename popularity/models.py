from django.conf import settings
from django.db import models


class PopularityPrediction(models.Model):
    """A prediction made for a content team (kept so the team can find it again)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    model_version = models.ForeignKey("core.ModelVersion", null=True, on_delete=models.SET_NULL)
    inputs = models.JSONField()
    estimate = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    explanation = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
