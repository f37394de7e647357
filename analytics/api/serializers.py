"""Response shapes of /api/analytics/… (used for output and for the OpenAPI schema)."""
from rest_framework import serializers

S = serializers


def _nullable_float(**kw):
    return S.FloatField(allow_null=True, **kw)


def _nullable_int(**kw):
    return S.IntegerField(allow_null=True, **kw)


# --- catalog ---------------------------------------------------------------------------------------

class DecadeCountSerializer(S.Serializer):
    decade = S.IntegerField()
    titles = S.IntegerField()


class ActorDecadesSerializer(S.Serializer):
    person_id = S.IntegerField()
    name = S.CharField()
    titles = S.IntegerField(help_text="Distinct titles as actor/actress")
    first_year = _nullable_int()
    last_year = _nullable_int()
    by_decade = DecadeCountSerializer(many=True)


class ActorsTopSerializer(S.Serializer):
    actors = ActorDecadesSerializer(many=True)
    decades = S.ListField(child=S.IntegerField())
    scope_types = S.ListField(child=S.CharField())


class RuntimeYearSerializer(S.Serializer):
    year = S.IntegerField()
    avg_runtime = S.FloatField(help_text="minutes")
    titles = S.IntegerField()


class RuntimeDecadeSerializer(S.Serializer):
    decade = S.IntegerField()
    avg_runtime = S.FloatField(help_text="minutes")
    titles = S.IntegerField()


class RuntimeByYearSerializer(S.Serializer):
    years = RuntimeYearSerializer(many=True)
    decades = RuntimeDecadeSerializer(many=True)
    overall_avg = _nullable_float(help_text="minutes")
    titles_used = S.IntegerField()
    titles_in_scope = S.IntegerField()
    titles_without_runtime = S.IntegerField()
    titles_excluded_other = S.IntegerField(help_text="No release year, or runtime outside 1–600 min")
    scope_types = S.ListField(child=S.CharField())


class ActorFilmsSeriesSerializer(S.Serializer):
    person_id = S.IntegerField()
    name = S.CharField()
    films = S.IntegerField()
    series = S.IntegerField()


class ActorsFilmsSeriesSerializer(S.Serializer):
    actors = S.IntegerField()
    films_only = S.IntegerField()
    series_only = S.IntegerField()
    both = S.IntegerField()
    share_films_only = S.FloatField()
    share_series_only = S.FloatField()
    share_both = S.FloatField()
    top_films = ActorFilmsSeriesSerializer(many=True)
    top_series = ActorFilmsSeriesSerializer(many=True)
    top_both = ActorFilmsSeriesSerializer(many=True)
    film_types = S.ListField(child=S.CharField())
    series_types = S.ListField(child=S.CharField())


class AgeYearSerializer(S.Serializer):
    year = S.IntegerField()
    avg_age = S.FloatField()
    credits = S.IntegerField()
    actor_avg = _nullable_float()
    actress_avg = _nullable_float()


class AgeDecadeSerializer(S.Serializer):
    decade = S.IntegerField()
    avg_age = S.FloatField()
    credits = S.IntegerField()


class ActorAgeSerializer(S.Serializer):
    overall_avg = _nullable_float(help_text="years")
    credits_used = S.IntegerField()
    actor_avg = _nullable_float()
    actress_avg = _nullable_float()
    actor_credits = S.IntegerField()
    actress_credits = S.IntegerField()
    excluded_missing_year = S.IntegerField()
    excluded_absurd_age = S.IntegerField()
    years = AgeYearSerializer(many=True)
    decades = AgeDecadeSerializer(many=True)
    scope_types = S.ListField(child=S.CharField())


class RatedTitleSerializer(S.Serializer):
    title_id = S.IntegerField()
    title = S.CharField()
    year = _nullable_int()
    runtime_minutes = _nullable_int()
    rating = S.FloatField()
    votes = S.IntegerField()
    weighted_rating = S.FloatField()


class TraitSerializer(S.Serializer):
    key = S.CharField()
    top_count = S.IntegerField()
    top_share = S.FloatField()
    catalog_count = S.IntegerField()
    catalog_share = S.FloatField()
    lift = _nullable_float(help_text="top_share ÷ catalog_share")


class TopRatedSerializer(S.Serializer):
    C = _nullable_float(help_text="Mean IMDb rating of rated titles in scope")
    m = S.IntegerField(help_text="Votes weight and minimum votes to be ranked")
    m_source = S.ChoiceField(choices=["parameter", "p90"])
    rated_titles = S.IntegerField()
    eligible = S.IntegerField()
    catalog_titles = S.IntegerField()
    titles = RatedTitleSerializer(many=True)
    genres = TraitSerializer(many=True)
    decades = TraitSerializer(many=True)
    runtimes = TraitSerializer(many=True)
    directors = TraitSerializer(many=True)
    countries = TraitSerializer(many=True)
    scope_types = S.ListField(child=S.CharField())


class CountRowSerializer(S.Serializer):
    key = S.CharField()
    label = S.CharField()
    titles = S.IntegerField()


class CatalogSizeSerializer(S.Serializer):
    total = S.IntegerField()
    by_type = CountRowSerializer(many=True)
    by_genre = CountRowSerializer(many=True)
    by_decade = CountRowSerializer(many=True)
    by_country = CountRowSerializer(many=True)
    without_year = S.IntegerField()


class MoneyPointSerializer(S.Serializer):
    title_id = S.IntegerField()
    title = S.CharField()
    year = _nullable_int()
    budget = S.IntegerField(help_text="US dollars")
    revenue = S.IntegerField(help_text="US dollars")
    rating = _nullable_float()


class BudgetRevenueSerializer(S.Serializer):
    titles = S.IntegerField()
    points_shown = S.IntegerField()
    points_max = S.IntegerField()
    total_budget = S.FloatField()
    total_revenue = S.FloatField()
    revenue_to_budget = _nullable_float()
    share_profitable = S.FloatField()
    rated_7_plus = S.IntegerField()
    revenue_to_budget_rated_7_plus = _nullable_float()
    revenue_to_budget_others = _nullable_float()
    points = MoneyPointSerializer(many=True)


# --- viewing ---------------------------------------------------------------------------------------

class EventDaySerializer(S.Serializer):
    day = S.DateField()
    thumbnail_click = S.IntegerField()
    play = S.IntegerField()
    skip = S.IntegerField()
    close = S.IntegerField()
    full_watch = S.IntegerField()
    rating = S.IntegerField()


class EventTotalsSerializer(S.Serializer):
    thumbnail_click = S.IntegerField()
    play = S.IntegerField()
    skip = S.IntegerField()
    close = S.IntegerField()
    full_watch = S.IntegerField()
    rating = S.IntegerField()


class EventsPerDaySerializer(S.Serializer):
    since = S.DateTimeField()
    until = S.DateTimeField()
    kinds = S.ListField(child=S.CharField())
    days = EventDaySerializer(many=True)
    totals = EventTotalsSerializer()
    events = S.IntegerField()


class TitleCompletionSerializer(S.Serializer):
    title_id = S.IntegerField()
    title = S.CharField()
    starters = S.IntegerField()
    finishers = S.IntegerField()
    completion_rate = _nullable_float()


class CompletionSerializer(S.Serializer):
    starters = S.IntegerField(help_text="Distinct (viewer, title) pairs with a play")
    finishers = S.IntegerField(help_text="Distinct (viewer, title) pairs with a full_watch")
    completion_rate = _nullable_float()
    titles = TitleCompletionSerializer(many=True)


class TitleViewersSerializer(S.Serializer):
    title_id = S.IntegerField()
    title = S.CharField()
    viewers = S.IntegerField()
    events = S.IntegerField()


class WatchedAbandonedSerializer(S.Serializer):
    most_watched = TitleViewersSerializer(many=True)
    most_abandoned = TitleViewersSerializer(many=True)


class ViewersDaySerializer(S.Serializer):
    day = S.DateField()
    viewers = S.IntegerField()


class ActiveViewersSerializer(S.Serializer):
    days = ViewersDaySerializer(many=True)
    last_1_day = S.IntegerField()
    last_7_days = S.IntegerField()
    last_30_days = S.IntegerField()


class CtrReasonSerializer(S.Serializer):
    reason = S.CharField()
    label = S.CharField()
    pairs = S.IntegerField()
    converted = S.IntegerField()
    ctr = _nullable_float()


class RecommendationCtrSerializer(S.Serializer):
    k = S.IntegerField(help_text="Only the first k items of each snapshot count")
    snapshots = S.IntegerField()
    viewers = S.IntegerField()
    pairs = S.IntegerField()
    converted = S.IntegerField()
    ctr = _nullable_float()
    by_reason = CtrReasonSerializer(many=True)


class MetricValueSerializer(S.Serializer):
    name = S.CharField()
    value = S.FloatField()


class ModelVersionMetricsSerializer(S.Serializer):
    version = S.CharField()
    status = S.CharField()
    is_active = S.BooleanField()
    created_at = S.DateTimeField()
    metrics = MetricValueSerializer(many=True)


class ModelMetricsRowSerializer(S.Serializer):
    name = S.CharField()
    metric_names = S.ListField(child=S.CharField())
    versions = ModelVersionMetricsSerializer(many=True)


class ModelMetricsSerializer(S.Serializer):
    models = ModelMetricsRowSerializer(many=True)


DATA_SERIALIZERS = {
    "actors-top": ActorsTopSerializer, "runtime-by-year": RuntimeByYearSerializer,
    "actors-films-series": ActorsFilmsSeriesSerializer, "actor-age": ActorAgeSerializer,
    "top-rated": TopRatedSerializer, "size": CatalogSizeSerializer, "budget-revenue": BudgetRevenueSerializer,
    "events-per-day": EventsPerDaySerializer, "completion": CompletionSerializer,
    "watched-abandoned": WatchedAbandonedSerializer, "active-viewers": ActiveViewersSerializer,
    "recommendation-ctr": RecommendationCtrSerializer, "model-metrics": ModelMetricsSerializer,
}


class AppliedFiltersSerializer(S.Serializer):
    year_min = _nullable_int(required=False)
    year_max = _nullable_int(required=False)
    title_type = S.CharField(allow_null=True, required=False)
    genre = S.CharField(allow_null=True, required=False)
    days = S.IntegerField(required=False)


def envelope_serializer(slug: str):
    """A named response serializer {kpi, section, title, filters, options, readings, data} for one KPI."""
    name = "".join(p.capitalize() for p in slug.split("-")) + "KpiSerializer"
    return type(name, (S.Serializer,), {
        "kpi": S.CharField(),
        "section": S.ChoiceField(choices=["catalog", "viewing"]),
        "title": S.CharField(),
        "filters": AppliedFiltersSerializer(),
        "options": S.DictField(child=S.IntegerField(), help_text="KPI options applied (top, min_votes)"),
        "ignored_filters": S.ListField(child=S.CharField()),
        "readings": S.ListField(child=S.CharField(), help_text="One-line reading of each chart of this KPI"),
        "csv_url": S.CharField(),
        "data": DATA_SERIALIZERS[slug](),
        "__module__": __name__,
    })


ENVELOPES = {slug: envelope_serializer(slug) for slug in DATA_SERIALIZERS}


class KpiIndexEntrySerializer(S.Serializer):
    kpi = S.CharField()
    section = S.ChoiceField(choices=["catalog", "viewing"])
    title = S.CharField()
    description = S.CharField()
    url = S.CharField()
    csv_url = S.CharField()
    access = S.ChoiceField(choices=["public", "staff"])


class KpiIndexSerializer(S.Serializer):
    kpis = KpiIndexEntrySerializer(many=True)
    cache_version = S.IntegerField()


class ErrorSerializer(S.Serializer):
    detail = S.CharField()
    code = S.CharField()
    field = S.CharField(required=False)
    errors = S.DictField(child=S.ListField(child=S.CharField()), required=False)
