"""HTML pages of the recommendations app: "I liked…" (type films, get 5 with the reasons why)."""
from urllib.parse import urlencode

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


def explain(liked, recommended, because=None) -> dict:
    """{recommended title id: "Because you liked Inception: Sci-Fi, Christopher Nolan in common"}.

    ``because`` ({recommended id: liked Title}) is the model's reason for each pick (the liked
    film whose viewers liked it); without one, the liked title it shares the most with (people
    count double). The shared genres and people (directors first) are named when there are
    some. Titles must come from title_get (genres and credits prefetched).
    """
    liked_features = {t.pk: (t, *_features(t)) for t in liked}
    because = because or {}
    out = {}
    for rec in recommended:
        r_genres, r_people = _features(rec)
        best = None
        for t, genres, people in liked_features.values():
            shared_genres = [g for g in r_genres if g in genres]
            shared_people = sorted((pid for pid in r_people if pid in people), key=lambda p: not r_people[p][1])
            score = len(shared_genres) + 2 * len(shared_people)
            candidate = (score, t, shared_genres, [r_people[p][0] for p in shared_people])
            if because.get(rec.pk) is not None and because[rec.pk].pk == t.pk:
                best = candidate  # the model's reason wins
                break
            if score and (best is None or score > best[0]):
                best = candidate
        if best is None:
            out[rec.pk] = _("Liked by viewers with the same tastes as you")
            continue
        _score, t, genres, people = best
        things = ", ".join(genres[:3] + people[:2])
        if things:
            out[rec.pk] = _("Because you liked %(title)s: %(things)s in common") % {"things": things,
                                                                                   "title": t.primary_title}
        else:
            out[rec.pk] = _("Because you liked %(title)s") % {"title": t.primary_title}
    return out


def _pick_value(title, candidates):
    """What a chip says to pick exactly this title: "Heat (1995)", or "id:42" when the name and
    year do not tell the candidates apart."""
    same = [c for c in candidates if c.primary_title == title.primary_title and c.start_year == title.start_year]
    if title.start_year and len(same) == 1:
        return f"{title.primary_title} ({title.start_year})"
    return f"id:{title.pk}"


def i_liked(request):
    names, errors, liked, unmatched, ambiguous, results, note = [], [], [], [], [], [], ""
    submitted = "names" in request.GET
    if submitted:
        try:
            names = NamesField(max_items=MAX_LIKED).clean(request.GET.getlist("names"))
        except forms.ValidationError as exc:  # shown next to the field
            errors = list(exc.messages)
        if not errors and not names:
            errors = [_("Type at least one film you liked.")]
        liked, unresolved = catalog_selectors.titles_resolve(texts=names)
        for found in unresolved:
            if found.status == "ambiguous":
                others = [n for n in names if n != found.query]
                ambiguous.append({"query": found.query, "message": catalog_selectors.title_lookup_message(found),
                                  "choices": [{"title": t, "href": "?" + urlencode(
                                      {"names": [*others, _pick_value(t, found.candidates)]}, doseq=True)}
                                      for t in found.candidates]})
            else:
                unmatched.append(found.query)
        if names and not liked and not ambiguous:
            errors.append(_("We found none of these titles. Check the spelling or pick one from the suggestions."))
    if liked:
        rec = rec_selectors.recommendations_for_titles(title_ids=[t.pk for t in liked], k=I_LIKED_K)
        note = rec.note
        # Full titles (genres + credits) to explain each pick: bounded by MAX_LIKED + I_LIKED_K.
        liked_full = [catalog_selectors.title_get(title_id=t.pk) for t in liked]
        because = {t.pk: b for t, b in zip(rec.titles, rec.because or [None] * len(rec.titles), strict=False)}
        rec_full = []
        for t in rec.titles[:I_LIKED_K]:
            try:
                rec_full.append(catalog_selectors.title_get(title_id=t.pk))
            except NotFound:
                continue
        reasons = explain(liked_full, rec_full, because)
        results = [{"title": t, "why": reasons.get(t.pk, ""), "because": because.get(t.pk)} for t in rec_full]
        liked = liked_full
    return render(request, "recommendations/i_liked.html", {
        "names": names, "errors": errors, "liked": liked, "unmatched": unmatched, "ambiguous": ambiguous,
        "results": results, "note": note, "submitted": submitted, "k": I_LIKED_K,
    })
