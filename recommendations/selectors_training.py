"""Reads that feed the recommender: interactions and item/user feature strings.

Feature strings are the vocabulary of the hybrid model (`recommendations/ml/features.py`):
`genre:<slug>`, `type:<title_type>`, `decade:<1990s>`, `director:<id>`, `actor:<id>` (top-billed
cast), `writer:<id>`, `country:<code>`, `keyword:<id>`. People and keywords that appear on a
single title carry no collaborative information and are dropped (they would only add noise).
"""
from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count

from accounts.models import Profile
from catalog.models import CAST_CATEGORIES, Credit, CreditCategory, Title
from interactions.selectors import signal_sql

MAIN_CAST = 4  # credits with ordering below this count as "main cast"


def interactions_for_training():
    """(user_ids, title_ids, weights, None) as parallel lists: every viewer's visible signal, the
    live aggregate and the imported ratings (`interactions.selectors.signal_sql`)."""
    users, titles, weights = [], [], []
    with connection.chunked_cursor() as cur:  # a server-side cursor on PostgreSQL
        cur.execute(signal_sql(), {})
        while True:
            rows = cur.fetchmany(50_000)
            if not rows:
                break
            for u, t, w, _ in rows:
                users.append(u)
                titles.append(t)
                weights.append(float(w))
    return users, titles, weights, None


def item_features(*, title_ids=None, min_people_titles=2):
    """{title_id: [feature strings]} for every catalog title (or the given ids)."""
    titles = Title.objects.all()
    if title_ids is not None:
        titles = titles.filter(id__in=list(title_ids))
    feats = defaultdict(list)
    for tid, ttype, year in titles.values_list("id", "title_type", "start_year").iterator(chunk_size=20000):
        f = feats[tid]
        f.append(f"type:{ttype}")
        if year:
            f.append(f"decade:{(year // 10) * 10}s")
    through = Title.genres.through.objects.all()
    if title_ids is not None:
        through = through.filter(title_id__in=list(title_ids))
    for tid, slug in through.values_list("title_id", "genre__slug").iterator(chunk_size=50000):
        feats[tid].append(f"genre:{slug}")
    cthrough = Title.countries.through.objects.all()
    if title_ids is not None:
        cthrough = cthrough.filter(title_id__in=list(title_ids))
    for tid, code in cthrough.values_list("title_id", "country__code").iterator(chunk_size=50000):
        feats[tid].append(f"country:{code}")

    credits = Credit.objects.filter(category__in=[*CAST_CATEGORIES, CreditCategory.DIRECTOR, CreditCategory.WRITER])
    if title_ids is not None:
        credits = credits.filter(title_id__in=list(title_ids))
    people_rows = list(credits.values_list("title_id", "person_id", "category", "ordering").iterator(chunk_size=50000))
    counts = Counter(pid for _, pid, _, _ in people_rows)
    for tid, pid, cat, order in people_rows:
        if counts[pid] < min_people_titles:
            continue
        if cat == CreditCategory.DIRECTOR:
            feats[tid].append(f"director:{pid}")
        elif cat == CreditCategory.WRITER:
            feats[tid].append(f"writer:{pid}")
        elif order < MAIN_CAST:
            feats[tid].append(f"actor:{pid}")

    kthrough = Title.keywords.through.objects.all()
    if title_ids is not None:
        kthrough = kthrough.filter(title_id__in=list(title_ids))
    popular_kw = None  # None = every keyword counts (no whole-catalog aggregate needed)
    if min_people_titles > 1:
        popular_kw = set(Title.keywords.through.objects.values("keyword_id").annotate(n=Count("id"))
                         .filter(n__gte=min_people_titles).values_list("keyword_id", flat=True))
    for tid, kid in kthrough.values_list("title_id", "keyword_id").iterator(chunk_size=50000):
        if popular_kw is None or kid in popular_kw:
            feats[tid].append(f"keyword:{kid}")
    return dict(feats)


def user_features():
    """{user_id: [feature strings]} from onboarding picks and profile (country, language)."""
    feats = defaultdict(list)
    for uid, slug in Profile.favourite_genres.through.objects.values_list("profile__user_id", "genre__slug"):
        feats[uid].append(f"likes-genre:{slug}")
    for uid, country, lang in Profile.objects.exclude(country="", language="").values_list("user_id", "country",
                                                                                         "language"):
        if country:
            feats[uid].append(f"country:{country}")
        if lang:
            feats[uid].append(f"lang:{lang}")
    return dict(feats)


def onboarding_liked_titles(*, user_id):
    return list(Profile.liked_titles.through.objects.filter(profile__user_id=user_id).values_list("title_id",
                                                                                                   flat=True))
