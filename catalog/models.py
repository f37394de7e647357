"""The film/series catalog (see docs/data-model.md for the MCD/MPD diagrams)."""
from django.db import models
from django.db.models import Q

from catalog.matching import match_key
from catalog.text import normalize


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Country(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="ISO 3166-1 alpha-2 where known")
    name = models.CharField(max_length=128)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name


class Company(models.Model):
    name = models.CharField(max_length=255, unique=True)
    tmdb_id = models.IntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self):
        return self.name


class Keyword(models.Model):
    name = models.CharField(max_length=255, unique=True)
    tmdb_id = models.IntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TitleType(models.TextChoices):
    MOVIE = "movie", "Movie"
    SHORT = "short", "Short"
    TV_MOVIE = "tvMovie", "TV movie"
    TV_SERIES = "tvSeries", "TV series"
    TV_MINI_SERIES = "tvMiniSeries", "TV mini-series"
    TV_EPISODE = "tvEpisode", "TV episode"
    TV_SPECIAL = "tvSpecial", "TV special"
    TV_SHORT = "tvShort", "TV short"
    VIDEO = "video", "Video"
    VIDEO_GAME = "videoGame", "Video game"
    TV_PILOT = "tvPilot", "TV pilot"


SERIES_TYPES = (TitleType.TV_SERIES, TitleType.TV_MINI_SERIES)


class Title(models.Model):
    # No single-column index: title_type_year_runtime_idx (leading column) serves type lookups.
    title_type = models.CharField(max_length=16, choices=TitleType.choices, default=TitleType.MOVIE)
    primary_title = models.CharField(max_length=500)
    original_title = models.CharField(max_length=500, blank=True)
    search_title = models.CharField(max_length=500, db_index=True, editable=False,
                                    help_text="Lower-cased, accent-free title for search.")
    match_key = models.CharField(max_length=500, db_index=True, editable=False, default="", blank=True,
                                 help_text="Normalised title under which sources meet (catalog.matching).")
    start_year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    runtime_minutes = models.PositiveIntegerField(null=True, blank=True)
    is_adult = models.BooleanField(default=False)
    release_date = models.DateField(null=True, blank=True)
    original_language = models.CharField(max_length=16, blank=True)

    # External ids (all optional, each unique when present).
    imdb_id = models.CharField(max_length=16, null=True, blank=True, unique=True, help_text="IMDb tconst")
    tmdb_id = models.IntegerField(null=True, blank=True, unique=True)
    netflix_id = models.IntegerField(null=True, blank=True, unique=True, help_text="Netflix Prize MovieID")
    movielens_id = models.IntegerField(null=True, blank=True, unique=True)

    # IMDb ratings.
    imdb_rating = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    imdb_votes = models.PositiveIntegerField(null=True, blank=True)

    # TMDB fields.
    overview = models.TextField(blank=True)
    tagline = models.CharField(max_length=500, blank=True)
    budget = models.BigIntegerField(null=True, blank=True, help_text="US dollars; unknown when null")
    revenue = models.BigIntegerField(null=True, blank=True, help_text="US dollars; unknown when null")
    poster_path = models.CharField(max_length=255, blank=True)
    tmdb_popularity = models.FloatField(null=True, blank=True)
    tmdb_vote_average = models.FloatField(null=True, blank=True)
    tmdb_vote_count = models.PositiveIntegerField(null=True, blank=True)

    genres = models.ManyToManyField(Genre, blank=True, related_name="titles")
    countries = models.ManyToManyField(Country, blank=True, related_name="titles")
    companies = models.ManyToManyField(Company, blank=True, related_name="titles")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="titles")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["primary_title"]
        indexes = [
            # (type, year) filters of the catalog and the analytics runtime/size KPIs (index-only scans)
            models.Index(fields=["title_type", "start_year", "runtime_minutes"], name="title_type_year_runtime_idx"),
            models.Index(fields=["-imdb_votes"], name="title_votes_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(imdb_rating__isnull=True) | Q(imdb_rating__gte=0, imdb_rating__lte=10),
                                   name="title_imdb_rating_range"),
            models.CheckConstraint(condition=Q(end_year__isnull=True) | Q(start_year__isnull=True)
                                   | Q(end_year__gte=models.F("start_year")), name="title_years_ordered"),
        ]

    def __str__(self):
        return f"{self.primary_title} ({self.start_year})" if self.start_year else self.primary_title

    def save(self, *args, **kwargs):
        self.search_title = normalize(self.primary_title)
        self.match_key = match_key(self.primary_title)
        super().save(*args, **kwargs)

    @property
    def is_series(self):
        return self.title_type in SERIES_TYPES

    @property
    def decade(self):
        return (self.start_year // 10) * 10 if self.start_year else None


class Person(models.Model):
    name = models.CharField(max_length=255)
    search_name = models.CharField(max_length=255, db_index=True, editable=False)
    imdb_id = models.CharField(max_length=16, null=True, blank=True, unique=True, help_text="IMDb nconst")
    tmdb_id = models.IntegerField(null=True, blank=True, unique=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    death_year = models.PositiveSmallIntegerField(null=True, blank=True)
    primary_profession = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = normalize(self.name)
        super().save(*args, **kwargs)


class CreditCategory(models.TextChoices):
    ACTOR = "actor", "Actor"
    ACTRESS = "actress", "Actress"
    DIRECTOR = "director", "Director"
    WRITER = "writer", "Writer"
    PRODUCER = "producer", "Producer"
    COMPOSER = "composer", "Composer"
    CINEMATOGRAPHER = "cinematographer", "Cinematographer"
    EDITOR = "editor", "Editor"
    PRODUCTION_DESIGNER = "production_designer", "Production designer"
    ARCHIVE_FOOTAGE = "archive_footage", "Archive footage"
    SELF = "self", "Self"
    OTHER = "other", "Other"


CAST_CATEGORIES = (CreditCategory.ACTOR, CreditCategory.ACTRESS, CreditCategory.SELF)


class Credit(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    # No single-column index: credit_cat_title_person_idx (leading column) serves category lookups.
    category = models.CharField(max_length=32, choices=CreditCategory.choices)
    ordering = models.PositiveSmallIntegerField(default=0)
    job = models.CharField(max_length=255, blank=True)
    characters = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["title", "ordering"]
        constraints = [
            models.UniqueConstraint(fields=["title", "person", "category"], name="credit_unique_role"),
        ]
        indexes = [
            models.Index(fields=["person", "category"], name="credit_person_cat_idx"),
            # the analytics actor KPIs read (category, title, person) only: index-only scans
            models.Index(fields=["category", "title", "person"], name="credit_cat_title_person_idx"),
        ]

    def __str__(self):
        return f"{self.person} — {self.category} in {self.title}"


class TitleAlias(models.Model):
    """A name and year under which a source described the title (`catalog.matching.match_key`).

    Every import adds the row's own; a merge brings the merged title's. Resolution matches on
    any of them, so a title keeps meeting what its sources called it after a richer source
    renamed it or moved its year — the reason any import order gives the same catalog."""
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="aliases")
    key = models.CharField(max_length=500, db_index=True)
    year = models.PositiveSmallIntegerField(default=0, help_text="0: unknown")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["title", "key", "year"], name="titlealias_unique")]

    def __str__(self):
        return f"{self.key} ({self.year})"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=32, db_index=True)
    paths = models.JSONField(default=list)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    rows_read = models.BigIntegerField(default=0)
    rows_inserted = models.BigIntegerField(default=0)
    rows_updated = models.BigIntegerField(default=0)
    rows_unchanged = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    rows_skipped = models.BigIntegerField(default=0, help_text="Filtered out on purpose (type, year, votes…)")
    errors = models.JSONField(default=list, blank=True, help_text="First rejected rows: file, line, reason")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} import #{self.pk} ({self.status})"
