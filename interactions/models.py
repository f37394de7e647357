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
            # "did this viewer ever finish this title?" (analytics: abandoned titles) answered from the
            # index alone: with 100 M events the probe through event_user_title_idx read 1.7 M heap
            # pages to filter `kind` (4.0 s of the KPI's 4.1 s); only full watches are indexed
            models.Index(fields=["user", "title"], condition=models.Q(kind="full_watch"),
                         name="event_full_watch_idx"),
            # "did this viewer start this title after it was recommended?" (analytics: recommendation
            # CTR) from the index alone: with 100 M events the probe through event_user_title_idx
            # fetched heap rows to filter `kind` and `server_ts` (3.0 s of the KPI's cold 3.0 s)
            models.Index(fields=["user", "title", "server_ts"], condition=models.Q(kind__in=["play", "full_watch"]),
                         name="event_started_idx"),
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


class RatingSource(models.IntegerChoices):
    NETFLIX = 1, "Netflix Prize"
    MOVIELENS = 2, "MovieLens"


class ImportedRating(models.Model):
    """A historical rating from a dataset import (Netflix Prize, MovieLens): one row per (viewer,
    title), the latest rating by the dataset's own date.

    Why not the event log: 100 M historical ratings are not real-time events. As events they cost
    a uuid `event_id`, six indexes and an `Interaction` aggregate row each (~2 hours and ~45 GB for
    the Netflix Prize); here a row is 48 bytes behind one composite primary key (~8 GB in all),
    the first big import COPYs into the table with that key dropped and builds it once at the end
    (docs/import.md), and the viewing KPIs (events per day, active viewers, trending) never count
    imported history as today's activity. Readers that need a viewer's whole signal (training,
    the serving history read) combine it with the live aggregate (`interactions.selectors`).

    The foreign keys have no database constraint: the importer resolves every row against the
    catalog and the viewers it creates in the same transaction (validated set-based on the staged
    chunk), and per-row deferred FK triggers would cost ~16 µs a row at commit (docs/import.md).
    Django still cascades deletions of a viewer or a title to these rows.
    Column order is chosen for alignment (8-byte columns first): 48 bytes a row with its header.
    """

    pk = models.CompositePrimaryKey("user_id", "title_id")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="imported_ratings",
                              db_constraint=False, db_index=False)
    rated_at = models.DateTimeField(help_text="The dataset's own date of the rating (Netflix Date, MovieLens "
                                              "timestamp)")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imported_ratings",
                             db_constraint=False, db_index=False)
    rating_halves = models.SmallIntegerField(help_text="The rating in half stars (1–10 = 0.5–5 stars)")
    source = models.SmallIntegerField(choices=RatingSource.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rating_halves__gte=1) & Q(rating_halves__lte=10),
                                   name="importedrating_rating_range"),
        ]

    @property
    def rating(self) -> float:
        return self.rating_halves / 2

    def __str__(self):
        return f"{self.user_id} rated {self.title_id} {self.rating} on {self.rated_at:%Y-%m-%d}"


class TitleStats(models.Model):
    """Per-title counts over the live aggregate and the imported ratings, refreshed in one set-based
    statement (`interactions.services.stats.title_stats_refresh`: after every import, and hourly
    by beat). Popularity reads it instead of counting 100 M rows on every home page."""

    title = models.OneToOneField("catalog.Title", on_delete=models.CASCADE, primary_key=True,
                                 related_name="stats")
    viewers = models.PositiveIntegerField(default=0, help_text="Viewers with a live interaction or an imported "
                                                               "rating")
    ratings = models.PositiveIntegerField(default=0, help_text="Explicit ratings (site and imported)")
    rating_sum = models.FloatField(default=0.0)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-viewers", "title"], name="titlestats_viewers_idx")]

    @property
    def mean_rating(self):
        return self.rating_sum / self.ratings if self.ratings else None
