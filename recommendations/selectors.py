"""Every read of recommendations: what the UI rows and the API serve.

Each function returns a `RecList`: titles best first, their scores, where they came from
(`model`, `fold_in`, `snapshot`, `popular`) and a user-visible `note` when it is a fallback.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.models import Title
from interactions.models import ImportedRating, Interaction, TitleStats
from recommendations.models import Notification, RecommendationSnapshot


@dataclass
class RecList:
    titles: list
    scores: list = field(default_factory=list)
    source: str = "popular"
    note: str = ""
    model_version: str | None = None
    reason_title: Title | None = None
    because: list = field(default_factory=list)  # per title: the liked Title that explains it, or None


FALLBACK_NOTE = "Popular picks: no recommendation model is trained yet."


def _seen_ids(user):
    if user is None or not user.is_authenticated:
        return set()
    return (set(Interaction.objects.filter(user=user).values_list("title_id", flat=True))
            | set(ImportedRating.objects.filter(user=user).values_list("title_id", flat=True)))


def popular_titles(*, k=20, exclude=(), title_type=None, genre=None):
    """Most-watched titles: viewers per title (live and imported, `TitleStats`, refreshed after
    imports and hourly), then IMDb votes when nobody watched anything yet."""
    qs = Title.objects.exclude(id__in=list(exclude))
    if title_type:
        qs = qs.filter(title_type=title_type)
    if genre:
        qs = qs.filter(genres__slug=genre)
    ranked = list(qs.filter(stats__viewers__gt=0).order_by("-stats__viewers", "-imdb_votes", "id")
                  .prefetch_related("genres")[:k])
    if not ranked and not TitleStats.objects.exists():
        # Never refreshed yet (a fresh install): count the live aggregate, small by then.
        ranked = list(qs.annotate(n=Count("interactions")).filter(n__gt=0)
                      .order_by("-n", "-imdb_votes", "id").prefetch_related("genres")[:k])
    if len(ranked) < k:
        have = {t.id for t in ranked}
        ranked += list(qs.exclude(id__in=have).order_by(F("imdb_votes").desc(nulls_last=True), "id")
                       .prefetch_related("genres")[: k - len(ranked)])
    return ranked


def _titles_in_order(pairs):
    found = catalog_selectors.titles_by_ids_cached(ids=[t for t, _ in pairs])
    keep = [(found[t], s) for t, s in pairs if t in found]
    return [t for t, _ in keep], [s for _, s in keep]


def _filtered_ids(*, title_type=None, genre=None, decade=None):
    if not (title_type or genre or decade is not None):
        return None
    qs = Title.objects.all()
    if title_type:
        qs = qs.filter(title_type=title_type)
    if genre:
        qs = qs.filter(genres__slug=genre)
    if decade is not None:
        qs = qs.filter(start_year__gte=decade, start_year__lt=decade + 10)
    return qs.values_list("id", flat=True)


def _onboarding_history(user):
    """Titles and genres a new viewer picked at onboarding (their only signal)."""
    from accounts.models import Profile

    prof = Profile.objects.filter(user=user).prefetch_related("liked_titles", "favourite_genres").first()
    if prof is None:
        return [], []
    return [t.id for t in prof.liked_titles.all()], [g.slug for g in prof.favourite_genres.all()]


def recommendations_for_user(*, user, k=20, title_type=None, genre=None, decade=None) -> RecList:
    """Top picks: the hybrid model (fold-in when needed); onboarding-aware popular picks for a
    viewer with no history; popular titles (with a note) when no model is trained yet."""
    from recommendations import serving

    allowed = _filtered_ids(title_type=title_type, genre=genre, decade=decade)
    pairs, info = serving.score_for_user(user_id=user.id, k=k, allowed_title_ids=allowed)
    if pairs:
        titles, scores = _titles_in_order(pairs)
        return RecList(titles=titles, scores=scores, source=info["source"], model_version=info["version"])
    liked, genres = _onboarding_history(user)
    seen = _seen_ids(user)
    if info is not None and liked:
        triples, info2 = serving.score_for_titles(title_ids=liked, k=k, exclude_title_ids=seen)
        if triples:
            titles, scores = _titles_in_order([(t, s) for t, s, _ in triples])
            return RecList(titles=titles, scores=scores, source="onboarding", model_version=info2["version"])
    if genres and not genre:
        titles = []
        for slug in genres:
            titles += [t for t in popular_titles(k=k, exclude=seen | {x.id for x in titles}, title_type=title_type,
                                                 genre=slug)]
        titles = sorted(titles, key=lambda t: -(t.imdb_votes or 0))[:k]
    else:
        titles = popular_titles(k=k, exclude=seen, title_type=title_type, genre=genre)
    note = FALLBACK_NOTE if info is None else ""
    return RecList(titles=titles, scores=[None] * len(titles), source="popular", note=note,
                   model_version=None if info is None else info["version"])


def because_you_watched(*, user, k=20) -> RecList | None:
    """The latest real-time snapshot ("Because you watched X"), minus what was seen since."""
    if user is None or not user.is_authenticated:
        return None
    snap = (RecommendationSnapshot.objects.filter(user=user, reason=RecommendationSnapshot.Reason.BECAUSE_YOU_WATCHED)
            .select_related("source_title").order_by("-created_at").first())
    if snap is None:
        return None
    seen = _seen_ids(user)
    ids = [it["title_id"] for it in snap.items if it["title_id"] not in seen][:k]
    found = catalog_selectors.titles_by_ids_cached(ids=ids)
    titles = [found[i] for i in ids if i in found]
    return RecList(titles=titles, scores=[it.get("score") for it in snap.items][: len(titles)], source="snapshot",
                   reason_title=snap.source_title)


def similar_titles(*, title_id, k=5) -> RecList:
    """"More like this": nearest titles by hybrid item vectors (works for titles nobody watched:
    their vector comes from their features); feature overlap when no model is trained yet."""
    from recommendations import serving
    from recommendations.selectors_training import item_features

    pairs, info = serving.similar_to_title(
        title_id=title_id, k=k,
        features_of=lambda: item_features(title_ids=[title_id], min_people_titles=1).get(title_id, []))
    if pairs:
        titles, scores = _titles_in_order(pairs)
        return RecList(titles=titles, scores=scores, source="model", model_version=info["version"])
    return _similar_by_overlap(title_id=title_id, k=k)


def _similar_by_overlap(*, title_id, k):
    title = Title.objects.prefetch_related("genres").filter(pk=title_id).first()
    if title is None:
        return RecList(titles=[], scores=[], source="features", note=FALLBACK_NOTE)
    genre_ids = [g.id for g in title.genres.all()]
    people = list(title.credits.values_list("person_id", flat=True)[:20])
    if not genre_ids and not people:
        return RecList(titles=[], scores=[], source="features", note=FALLBACK_NOTE)
    # An empty `__in` inside an aggregate filter would empty the whole query: add only real terms.
    shared = Count("genres", filter=Q(genres__in=genre_ids), distinct=True) if genre_ids else None
    if people:
        by_people = Count("credits", filter=Q(credits__person_id__in=people), distinct=True)
        shared = by_people if shared is None else shared + by_people
    qs = (Title.objects.exclude(pk=title_id)
          .annotate(shared=shared)
          .filter(shared__gt=0).order_by("-shared", F("imdb_votes").desc(nulls_last=True), "id")
          .prefetch_related("genres")[:k])
    titles = list(qs)
    return RecList(titles=titles, scores=[None] * len(titles), source="features", note=FALLBACK_NOTE)


def recommendations_for_titles(*, title_ids, k=5) -> RecList:
    """"I liked…": k titles for someone who liked all of `title_ids` (never one of them), each with
    the liked title that explains it (`because`). The model's answer
    (`Recommender.recommend_for_items`); shared genres and people when no model is trained yet."""
    from recommendations import serving

    known = set(Title.objects.filter(id__in=list(title_ids)).values_list("id", flat=True))
    title_ids = list(dict.fromkeys(t for t in title_ids if t in known))  # unknown ids are ignored
    triples, info = serving.score_for_titles(title_ids=title_ids, k=k)
    if triples:
        found = catalog_selectors.titles_by_ids_cached(ids=[t for t, _, _ in triples] + title_ids)
        keep = [(found[t], s, found.get(w)) for t, s, w in triples if t in found]
        return RecList(titles=[t for t, _, _ in keep], scores=[s for _, s, _ in keep], source="model",
                       model_version=info["version"], because=[w for _, _, w in keep])
    seen, out, because = set(title_ids), [], []
    liked = catalog_selectors.titles_by_ids_cached(ids=title_ids)
    for tid in title_ids:
        for t in similar_titles(title_id=tid, k=k).titles:
            if t.id not in seen:
                seen.add(t.id)
                out.append(t)
                because.append(liked.get(tid))
    return RecList(titles=out[:k], scores=[None] * min(k, len(out)), source="features", note=FALLBACK_NOTE,
                   because=because[:k])


def trending_titles(*, k=20, days=7):
    """The titles with the most events in the last `days` days, by the event's own time. The
    event log holds only what happened on the platform (imported history is `ImportedRating`,
    dated by its dataset), so an import never makes a title trend. Empty when nothing was
    watched in the window (the caller shows `popular_titles` and says so)."""
    since = timezone.now() - timedelta(days=days)
    return list(Title.objects.filter(events__server_ts__gte=since)
                .annotate(n=Count("events")).order_by("-n", "id").prefetch_related("genres")[:k])


def top_rated_titles(*, k=20, min_votes=1000, title_type=None, genre=None):
    qs = Title.objects.filter(imdb_rating__isnull=False, imdb_votes__gte=min_votes)
    if title_type:
        qs = qs.filter(title_type=title_type)
    if genre:
        qs = qs.filter(genres__slug=genre)
    return list(qs.order_by("-imdb_rating", "-imdb_votes", "id").prefetch_related("genres")[:k])


def notifications_unread(*, user, limit=10):
    return list(Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")[:limit])


def notifications_for_user(*, user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")
