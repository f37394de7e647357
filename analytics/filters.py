"""The analytics filters: what the dashboard form, the JSON API and the report command accept.

Catalog KPIs take `CatalogFilters` (year range, title type, genre) plus a few KPI-specific
options (`top`, `min_votes`); viewing KPIs take `ViewingFilters` (a window of `days` ending now).
Validation lives here (DRF serializers, used by the API for the OpenAPI schema too) so the HTML
page, the API and the command reject bad input with the same messages.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from rest_framework import serializers

from catalog.models import TitleType
from core.errors import ValidationFailed

YEAR_MIN, YEAR_MAX = 1870, 2100


@dataclass(frozen=True)
class CatalogFilters:
    year_min: int | None = None
    year_max: int | None = None
    title_type: str | None = None
    genre: str | None = None  # Genre.slug

    def cache_key(self) -> str:
        return f"{self.year_min}|{self.year_max}|{self.title_type}|{self.genre}"

    def as_query(self) -> dict:
        """The query-string form (`type`, not `title_type`), without empty values."""
        q = {"year_min": self.year_min, "year_max": self.year_max, "type": self.title_type, "genre": self.genre}
        return {k: v for k, v in q.items() if v not in (None, "")}

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        parts = []
        if self.title_type:
            parts.append(dict(TitleType.choices).get(self.title_type, self.title_type))
        if self.genre:
            parts.append(f"genre {self.genre}")
        if self.year_min is not None or self.year_max is not None:
            parts.append(f"{self.year_min or '…'}–{self.year_max or '…'}")
        return ", ".join(parts) or "whole catalog"


@dataclass(frozen=True)
class ViewingFilters:
    days: int = 30

    def cache_key(self) -> str:
        return f"d{self.days}"

    def as_query(self) -> dict:
        return {"days": self.days}

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        return f"last {self.days} days"


class CatalogFilterSerializer(serializers.Serializer):
    year_min = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX,
                                        help_text="Only titles released this year or later (start_year).")
    year_max = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX,
                                        help_text="Only titles released this year or earlier (start_year).")
    type = serializers.ChoiceField(choices=TitleType.choices, required=False,
                                   help_text="IMDb title type. Empty: each KPI's default scope (see docs/analytics.md).")
    genre = serializers.RegexField(r"^[a-z0-9][a-z0-9_-]*$", max_length=64, required=False,
                                   help_text="Genre slug (e.g. `drama`, `sci-fi`). An unknown slug gives empty results.")

    def validate(self, attrs):
        lo, hi = attrs.get("year_min"), attrs.get("year_max")
        if lo is not None and hi is not None and lo > hi:
            raise serializers.ValidationError({"year_max": ["year_max must be greater than or equal to year_min."]})
        return attrs


class ActorsTopOptionsSerializer(CatalogFilterSerializer):
    top = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20,
                                   help_text="How many actors (default 20).")


class TopRatedOptionsSerializer(CatalogFilterSerializer):
    top = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20,
                                   help_text="Size of the top list (default 20).")
    min_votes = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000,
                                         help_text="m in the weighted rating and the minimum votes to be ranked. "
                                                   "Default: the 90th percentile of votes among rated titles in scope.")


class ViewingFilterSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=3650, default=30,
                                    help_text="Window ending now, in days (default 30).")


def _flatten_errors(errors) -> dict:
    out = {}
    for field, msgs in errors.items():
        out[field] = [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
    return out


def _run(serializer_class, data, blank_is_unset=True):
    # Blank form fields ("year_min=") mean "no filter" in the dashboard's GET form; the JSON API
    # (blank_is_unset=False) holds to its schema: a blank is not a year, nor a title type.
    items = dict(data.items()) if data is not None else {}
    clean = {k: v for k, v in items.items() if v is not None and (v != "" or not blank_is_unset)}
    s = serializer_class(data=clean)
    if not s.is_valid():
        errors = _flatten_errors(s.errors)
        first = next(iter(errors.items()))
        raise ValidationFailed(f"Invalid filter {first[0]!r}: {first[1][0]}", errors=errors, field=first[0])
    return s.validated_data


def catalog_filters_parse(data, *, options_serializer=CatalogFilterSerializer,
                          blank_is_unset=True) -> tuple[CatalogFilters, dict]:
    """QueryDict/dict → (CatalogFilters, KPI options). Raises ValidationFailed on bad input."""
    v = dict(_run(options_serializer, data, blank_is_unset))
    filters = CatalogFilters(year_min=v.pop("year_min", None), year_max=v.pop("year_max", None),
                             title_type=v.pop("type", None) or None, genre=v.pop("genre", None) or None)
    return filters, {k: val for k, val in v.items() if val is not None}


def viewing_filters_parse(data, *, blank_is_unset=True) -> ViewingFilters:
    v = _run(ViewingFilterSerializer, data, blank_is_unset)
    return ViewingFilters(days=v.get("days", 30))
