"""HTML pages of the recommendations app: "I liked…" (type films, get 5 with the reasons why)."""
from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.forms import NamesField
from catalog import selectors as catalog_selectors
from catalog.models import CAST_CATEGORIES, CreditCategory
from core.errors import NotFound
from recommendations import selectors as rec_selectors

I_LIKED_K = 5
MAX_LIKED = 5


def _features(title):
    """(genre names, {person id: (name, is_director)}) of a title loaded by title_get."""
    genres = [g.name for g in title.genres.all()]
    people = {}
    for c in title.credits.all():
        if c.category == CreditCategory.DIRECTOR:
            people[c.person_id] = (c.person.name, True)
        elif c.category in CAST_CATEGORIES and c.ordering < 8:
            people.setdefault(c.person_id, (c.person.name, False))
    return genres, people


def explain(liked, recommended) -> dict:
    """{recommended title id: "Shares Drama, Christopher Nolan with Inception"}.

    For each recommendation, the liked title it shares the most with (people count double),
    naming the shared genres and people (directors first). Titles must come from title_get
    (genres and credits prefetched).
    """
    liked_features = [(t, *_features(t)) for t in liked]
    out = {}
    for rec in recommended:
        r_genres, r_people = _features(rec)
        best = None
        for t, genres, people in liked_features:
            shared_genres = [g for g in r_genres if g in genres]
            shared_people = sorted((pid for pid in r_people if pid in people), key=lambda p: not r_people[p][1])
            score = len(shared_genres) + 2 * len(shared_people)
            if score and (best is None or score > best[0]):
                best = (score, t, shared_genres, [r_people[p][0] for p in shared_people])
        if best is None:
            out[rec.pk] = _("Liked by viewers with the same tastes as you")
            continue
        _score, t, genres, people = best
        things = ", ".join(genres[:3] + people[:2])
        out[rec.pk] = _("Shares %(things)s with %(title)s") % {"things": things, "title": t.primary_title}
    return out


def i_liked(request):
    names, errors, liked, unmatched, results, note = [], [], [], [], [], ""
    submitted = "names" in request.GET
    if submitted:
        try:
            names = NamesField(max_items=MAX_LIKED).clean(request.GET.getlist("names"))
        except forms.ValidationError as exc:  # shown next to the field
            errors = list(exc.messages)
        if not errors and not names:
            errors = [_("Type at least one film you liked.")]
        for name in names:
            found = catalog_selectors.titles_match_names(names=[name])
            if found:
                if all(t.pk != found[0].pk for t in liked):
                    liked.append(found[0])
            else:
                unmatched.append(name)
        if names and not liked:
            errors.append(_("We found none of these titles. Check the spelling or pick one from the suggestions."))
    if liked:
        rec = rec_selectors.recommendations_for_titles(title_ids=[t.pk for t in liked], k=I_LIKED_K)
        note = rec.note
        # Full titles (genres + credits) to explain each pick: bounded by MAX_LIKED + I_LIKED_K.
        liked_full = [catalog_selectors.title_get(title_id=t.pk) for t in liked]
        rec_full = []
        for t in rec.titles[:I_LIKED_K]:
            try:
                rec_full.append(catalog_selectors.title_get(title_id=t.pk))
            except NotFound:
                continue
        reasons = explain(liked_full, rec_full)
        results = [{"title": t, "why": reasons.get(t.pk, "")} for t in rec_full]
        liked = liked_full
    return render(request, "recommendations/i_liked.html", {
        "names": names, "errors": errors, "liked": liked, "unmatched": unmatched, "results": results,
        "note": note, "submitted": submitted, "k": I_LIKED_K,
    })
