from django.conf import settings
from django.db import models


class RecommendationSnapshot(models.Model):
    """A viewer's list as computed at one moment (the real-time refresh writes these)."""

    class Reason(models.TextChoices):
        TOP_PICKS = "top_picks", "Top picks"
        BECAUSE_YOU_WATCHED = "because_watched", "Because you watched"
        FALLBACK = "fallback", "Popular (no model yet)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rec_snapshots")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    source_title = models.ForeignKey("catalog.Title", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    items = models.JSONField(default=list, help_text="[{title_id, score}] best first")
    model_version = models.ForeignKey("core.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    compute_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "reason", "-created_at"], name="snapshot_user_reason_idx")]


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, default="new_recommendations")
    message = models.CharField(max_length=255)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]


class RefreshRequest(models.Model):
    """One row per viewer whose recommendations must be recomputed.

    `pending` dedupes the real-time trigger: while a refresh is pending for a viewer, more
    finished films do not enqueue more tasks; the one task reads the latest history.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pending = models.BooleanField(default=True)
    requested_at = models.DateTimeField()
    source_title = models.ForeignKey("catalog.Title", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
