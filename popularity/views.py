"""The content teams' page: describe a film project, get its estimated rating and why.

The form validates shapes (numbers in range, known choices); the popularity service validates
the meaning (unknown people, no model yet) and its ValidationFailed errors are shown next to
the fields they name.
"""
import logging

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.forms import NamesField
from catalog import selectors as catalog_selectors
from core.errors import ApplicationError, ValidationFailed
from popularity import services as popularity_services

log = logging.getLogger(__name__)

SCALE_MAX = 10.0  # estimates are on IMDb's 0–10 scale
# Notes the service may attach to an estimate; listed so that they are translated.
KNOWN_NOTES = (gettext_noop("No popularity model is trained yet: this is the average rating of catalog films "
                            "of these genres."),)

TYPE_CHOICES = [
    ("movie", gettext_lazy("Film")),
    ("tvSeries", gettext_lazy("TV series")),
    ("tvMiniSeries", gettext_lazy("TV mini-series")),
    ("tvMovie", gettext_lazy("TV film")),
    ("short", gettext_lazy("Short film")),
]
COUNTRY_CHOICES = [
    ("", gettext_lazy("Unknown / other")),
    ("US", gettext_lazy("United States")), ("GB", gettext_lazy("United Kingdom")), ("FR", gettext_lazy("France")),
    ("DE", gettext_lazy("Germany")), ("ES", gettext_lazy("Spain")), ("IT", gettext_lazy("Italy")),
    ("CA", gettext_lazy("Canada")), ("AU", gettext_lazy("Australia")), ("JP", gettext_lazy("Japan")),
    ("KR", gettext_lazy("South Korea")), ("IN", gettext_lazy("India")), ("CN", gettext_lazy("China")),
    ("BR", gettext_lazy("Brazil")), ("MX", gettext_lazy("Mexico")), ("SE", gettext_lazy("Sweden")),
    ("DK", gettext_lazy("Denmark")), ("BE", gettext_lazy("Belgium")), ("IE", gettext_lazy("Ireland")),
    ("NZ", gettext_lazy("New Zealand")), ("HK", gettext_lazy("Hong Kong")),
]
LANGUAGE_CHOICES = [
    ("", gettext_lazy("Unknown / other")),
    ("en", gettext_lazy("English")), ("fr", gettext_lazy("French")), ("es", gettext_lazy("Spanish")),
    ("de", gettext_lazy("German")), ("it", gettext_lazy("Italian")), ("ja", gettext_lazy("Japanese")),
    ("ko", gettext_lazy("Korean")), ("hi", gettext_lazy("Hindi")), ("zh", gettext_lazy("Chinese")),
    ("pt", gettext_lazy("Portuguese")), ("ru", gettext_lazy("Russian")), ("sv", gettext_lazy("Swedish")),
    ("da", gettext_lazy("Danish")),
]
PEOPLE_FIELDS = ("actors", "directors", "writers", "producers")


class EstimateForm(forms.Form):
    genres = forms.MultipleChoiceField(label=gettext_lazy("Genres"), widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": gettext_lazy("Pick at least one genre.")})
    actors = NamesField(label=gettext_lazy("Cast"), max_items=15)
    directors = NamesField(label=gettext_lazy("Directors"), max_items=5)
    writers = NamesField(label=gettext_lazy("Writers"), max_items=8)
    producers = NamesField(label=gettext_lazy("Producers"), max_items=8)
    runtime = forms.IntegerField(label=gettext_lazy("Runtime (minutes)"), min_value=1, max_value=600,
                                 widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "110"}))
    year = forms.IntegerField(label=gettext_lazy("Release year"), min_value=1900, max_value=2100,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "2026"}))
    budget = forms.IntegerField(label=gettext_lazy("Budget (US dollars)"), min_value=0, max_value=10**10,
                                required=False,
                                help_text=gettext_lazy("Leave empty when unknown."),
                                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "25000000",
                                                                "step": "1000"}))
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=TYPE_CHOICES, initial="movie")
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=COUNTRY_CHOICES, required=False)
    language = forms.ChoiceField(label=gettext_lazy("Original language"), choices=LANGUAGE_CHOICES,
                                 required=False)

    def __init__(self, *args, genre_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genres"].choices = [(n, n) for n in genre_names]

    def inputs(self) -> dict:
        """The service's input contract, from the cleaned data."""
        d = self.cleaned_data
        out = {"genres": d["genres"], "runtime": d["runtime"], "year": d["year"], "type": d["type"]}
        for f in PEOPLE_FIELDS:
            out[f] = d[f]
        for f in ("budget", "country", "language"):
            if d.get(f) not in (None, ""):
                out[f] = d[f]
        return out

    def add_service_errors(self, exc: ValidationFailed):
        errors = exc.errors or {}
        if not errors:
            self.add_error(None, exc.message)
        for field, messages in errors.items():
            target = field if field in self.fields else None
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                self.add_error(target, str(message) if target else f"{field}: {message}")


def _reason_label(entry: dict) -> str:
    """The field's label in the page's language (the service's labels are English)."""
    field = entry.get("field") or ""
    if field in EstimateForm.base_fields:
        return str(EstimateForm.base_fields[field].label)
    return entry.get("label") or field


def _gauge(result: dict) -> dict:
    def pct(v):
        try:
            return max(0.0, min(100.0, float(v) / SCALE_MAX * 100))
        except (TypeError, ValueError):
            return 0.0

    explanation = list(result.get("explanation") or [])
    biggest = max((abs(float(e.get("effect") or 0)) for e in explanation), default=0) or 1.0
    reasons = [{
        "label": _reason_label(e),
        "field": e.get("field") or "",
        "value": e.get("value") or "",
        "effect": float(e.get("effect") or 0),
        "width": round(abs(float(e.get("effect") or 0)) / biggest * 100, 1),
        "items": [{"name": it.get("name", ""), "effect": float(it.get("effect") or 0)}
                  for it in (e.get("items") or [])][:5],
    } for e in explanation]
    coverage = result.get("coverage")
    return {"estimate_pct": pct(result.get("estimate")), "low_pct": pct(result.get("low")),
            "high_pct": pct(result.get("high")), "reasons": reasons,
            "coverage_pct": round(float(coverage) * 100) if isinstance(coverage, (int, float)) else None}


def estimate(request):
    genre_names = [g.name for g in catalog_selectors.genre_list()]
    result, gauge = None, None
    if request.method == "POST":
        form = EstimateForm(request.POST, genre_names=genre_names)
        if form.is_valid():
            try:
                result = popularity_services.popularity_predict(
                    inputs=form.inputs(), user=request.user if request.user.is_authenticated else None)
            except ValidationFailed as exc:
                form.add_service_errors(exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                gauge = _gauge(result)
    else:
        form = EstimateForm(genre_names=genre_names)
    people = {f: [n for n in (form[f].value() or []) if n and str(n).strip()] for f in PEOPLE_FIELDS}
    return render(request, "popularity/estimate.html", {
        "form": form, "result": result, "gauge": gauge, "people": people,
        "people_fields": [(form[f], people[f]) for f in PEOPLE_FIELDS],
        "scale_max": int(SCALE_MAX),
        "selected_genres": set(form["genres"].value() or []),
    })
