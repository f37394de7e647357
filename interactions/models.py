"""Viewer interactions: an append-only event log and a per-(user, title) aggregate."""
from django.conf import settings
from django.db import models
from django.db.models import Q


class EventKind(models.TextChoices):
    THUMBNAIL_CLICK = "thumbnail_click", "Thumbnail click"
    PLAY = "play", "Play"
    SKIP = "skip", "Skip"
    CLOSE = "close", "Close"
    FULL_WATCH = "full_watch", "Full watch"
    RATING = "rating", "Rating"


class EventSource(models.TextChoices):
    WEB = "web", "Web player"
    API = "api", "JSON API"
    STREAM = "stream", "Real-time stream"
    IMPORT = "import", "Dataset import"


class Event(models.Model):
    """One thing a viewer did. Never updated; `event_id` makes every delivery idempotent."""

    event_id = models.UUIDField(unique=True)
    # No single-column FK indexes: (user, title) and (title, kind) below serve those lookups, and
    # every index costs each insert (the ingestion hot path).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events",
                             db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    value = models.FloatField(null=True, blank=True, help_text="Rating 1–5, or watch position/progress")
    client_ts = models.DateTimeField(null=True, blank=True)
    server_ts = models.DateTimeField()  # indexed by event_ts_user_idx (leading column)
    source = models.CharField(max_length=8, choices=EventSource.choices)

    class Meta:
        ordering = ["-server_ts"]
        indexes = [
            models.Index(fields=["user", "title"], name="event_user_title_idx"),
            models.Index(fields=["title", "kind"], name="event_title_kind_idx"),
            models.Index(fields=["kind", "server_ts"], name="event_kind_ts_idx"),
            # time-window reads (analytics: events per day, active viewers) without a heap visit
            models.Index(fields=["server_ts", "user"], name="event_ts_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="rating") | (Q(value__gte=0.5) & Q(value__lte=5)),
                name="event_rating_value_range",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.title_id}"


class Interaction(models.Model):
    """Per-(user, title) aggregate of the event log: the recommender's training weight."""

    # Lookups by user use the unique (user, title) index, by title the (title, weight) index.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interactions",
                             db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="interactions",
                              db_index=False)
    weight = models.FloatField(default=0.0, help_text="interactions.scoring.interaction_weight(...)")
    implicit_score = models.FloatField(default=0.0, help_text="Max prototype score of implicit events")
    event_count = models.PositiveIntegerField(default=0)
    rating = models.FloatField(null=True, blank=True, help_text="Latest explicit rating")
    full_watches = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField(db_index=True)
    hidden = models.BooleanField(default=False, help_text="Removed from history by the viewer")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "title"], name="interaction_unique_user_title")]
        indexes = [models.Index(fields=["title", "weight"], name="interaction_title_weight_idx")]

    def __str__(self):
        return f"{self.user_id}→{self.title_id} ({self.weight:.2f})"
