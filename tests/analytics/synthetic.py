"""A deterministic, realistic-looking synthetic catalog + viewing log (bulk_create; for the browser test).

Shapes mimic IMDb/TMDB: more titles in recent decades, runtimes drifting up over time, a few
prolific actors (Zipf-like), actors cast near working age, budgets for a third of modern movies.
"""
import bisect
import datetime as dt
import random
import uuid

from django.utils import timezone

GENRES = ["Drama", "Comedy", "Action", "Thriller", "Romance", "Crime", "Horror", "Sci-Fi", "Adventure",
          "Animation", "Documentary", "Fantasy"]
COUNTRIES = [("US", "United States"), ("GB", "United Kingdom"), ("FR", "France"), ("IN", "India"),
             ("JP", "Japan"), ("DE", "Germany"), ("IT", "Italy"), ("KR", "South Korea"), ("ES", "Spain"),
             ("CA", "Canada")]
FIRST = ["Ava", "Liam", "Mia", "Noah", "Zoe", "Hugo", "Lena", "Omar", "Iris", "Jude", "Nina", "Theo", "Rosa",
         "Ezra", "Lola", "Felix", "Maya", "Leo", "Clara", "Ivan", "Sofia", "Ravi", "Yuki", "Marco"]
LAST = ["Stone", "Rivera", "Moreau", "Tanaka", "Okafor", "Lindqvist", "Haddad", "Costa", "Novak", "Kim",
        "Dubois", "Patel", "Schmidt", "Rossi", "García", "Murphy", "Kowalski", "Silva", "Jensen", "Sato"]
WORDS = ["Night", "River", "Silent", "Echo", "Crimson", "Winter", "Lost", "Golden", "Last", "City", "Dream",
         "Shadow", "Storm", "Paper", "Glass", "Wild", "Broken", "Hidden", "Blue", "Iron"]
TYPES = [("movie", 60), ("tvSeries", 12), ("tvMiniSeries", 5), ("short", 8), ("tvMovie", 5), ("tvEpisode", 10)]


def build(*, n_titles=400, n_people=160, n_viewers=60, seed=7):
    from django.contrib.auth import get_user_model

    from catalog.models import Country, Credit, Genre, Person, Title
    from catalog.text import normalize
    from core.models import ModelVersion
    from interactions.models import Event
    from recommendations.models import RecommendationSnapshot

    rnd = random.Random(seed)
    genres = Genre.objects.bulk_create([Genre(name=g, slug=g.lower()) for g in GENRES])
    countries = Country.objects.bulk_create([Country(code=c, name=n) for c, n in COUNTRIES])
    kinds, weights = zip(*TYPES, strict=True)
    titles = []
    for i in range(n_titles):
        kind = rnd.choices(kinds, weights)[0]
        year = max(1925, 2023 - int(abs(rnd.gauss(0, 28))))
        movie_like = kind in ("movie", "tvMovie")
        runtime = None if rnd.random() < 0.05 else max(5, int(rnd.gauss(
            (82 + (year - 1925) * 0.25) if movie_like else 22 if kind == "short" else 48, 14 if movie_like else 8)))
        rated = rnd.random() < 0.85
        votes = int(rnd.lognormvariate(7, 1.8)) + 5 if rated else None
        budget = revenue = None
        if kind == "movie" and year >= 1970 and rnd.random() < 0.35:
            budget = int(rnd.lognormvariate(16.5, 1.1))
            revenue = int(budget * rnd.lognormvariate(0.6, 1.0))
        name = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}" + (f" {i}" if i % 7 == 0 else "")
        titles.append(Title(title_type=kind, primary_title=name, search_title=normalize(name), start_year=year,
                            runtime_minutes=runtime,
                            imdb_rating=round(min(9.6, max(1.5, rnd.gauss(6.4, 1.0))), 1) if rated else None,
                            imdb_votes=votes, budget=budget, revenue=revenue))
    titles = Title.objects.bulk_create(titles)
    G, C = Title.genres.through, Title.countries.through
    G.objects.bulk_create([G(title_id=t.id, genre_id=g.id) for t in titles
                           for g in rnd.sample(genres, rnd.choice([1, 1, 2, 2, 3]))])
    C.objects.bulk_create([C(title_id=t.id, country_id=rnd.choices(countries, [40, 10, 10, 8, 6, 6, 5, 5, 5, 5])[0].id)
                           for t in titles])

    people = []
    for i in range(n_people):
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        birth = None if rnd.random() < 0.1 else rnd.randint(1890, 2008)
        people.append(Person(name=name if i >= len(FIRST) else f"{FIRST[i]} {LAST[i % len(LAST)]}",
                             search_name=normalize(name), birth_year=birth))
    people = Person.objects.bulk_create(people)
    born = sorted((p.birth_year, k) for k, p in enumerate(people) if p.birth_year)
    years = [b for b, _ in born]
    fame = [1.0 / (1 + k) ** 0.8 for k in range(len(people))]
    credits, seen = [], set()
    for t in titles:
        lo, hi = bisect.bisect_left(years, t.start_year - 75), bisect.bisect_right(years, t.start_year - 8)
        pool = [born[j][1] for j in range(lo, hi)] + [k for k, p in enumerate(people) if p.birth_year is None][:5]
        if not pool:
            continue
        for k in set(rnd.choices(pool, [fame[k] for k in pool], k=rnd.randint(2, 5))):
            p = people[k]
            cat = "actress" if k % 2 else "actor"
            credits.append(Credit(title=t, person=p, category=cat))
            seen.add((t.id, p.id))
        d = people[rnd.randrange(len(people))]
        if (t.id, d.id) not in seen:
            credits.append(Credit(title=t, person=d, category="director"))
    Credit.objects.bulk_create(credits, ignore_conflicts=True)

    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"viewer{i}") for i in range(n_viewers)])
    now = timezone.now()
    popular = sorted(titles, key=lambda t: -(t.imdb_votes or 0))[:80]
    events = []
    for _ in range(n_viewers * 12):
        u, t = rnd.choice(users), rnd.choice(popular[:rnd.choice([10, 30, 80])])
        ts = now - dt.timedelta(hours=rnd.triangular(0, 30 * 24, 2 * 24))
        seq = ["thumbnail_click", "play"] + (["full_watch"] if rnd.random() < 0.55 else
                                             ["close"] if rnd.random() < 0.7 else ["skip"])
        for j, kind in enumerate(seq):
            events.append(Event(event_id=uuid.uuid4(), user=u, title=t, kind=kind, source="web",
                                server_ts=ts + dt.timedelta(minutes=j * 40)))
    Event.objects.bulk_create(events)
    snaps = []
    for u in users:
        for reason in ("top_picks", "because_watched", "fallback"):
            items = rnd.sample(popular[:40], 10)
            snaps.append(RecommendationSnapshot(user=u, reason=reason,
                                                items=[{"title_id": t.id, "score": 1 - j / 20} for j, t in enumerate(items)]))
    snaps = RecommendationSnapshot.objects.bulk_create(snaps)
    for s in snaps:
        RecommendationSnapshot.objects.filter(pk=s.pk).update(
            created_at=now - dt.timedelta(days={"top_picks": 20, "because_watched": 8, "fallback": 25}[s.reason]))
    for i in range(1, 6):
        ModelVersion.objects.create(name="recommender", version=f"2025.{i}", status="retired" if i < 5 else "active",
                                    is_active=i == 5, metrics={"ndcg@10": 0.08 + 0.025 * i + rnd.uniform(-0.01, 0.01),
                                                               "recall@10": 0.12 + 0.03 * i, "coverage": 0.4 + 0.05 * i})
    for i in range(1, 5):
        ModelVersion.objects.create(name="popularity", version=f"p{i}", status="retired" if i < 4 else "active",
                                    is_active=i == 4, metrics={"r2": 0.31 + 0.06 * i, "mae": 0.9 - 0.07 * i})
    return {"titles": len(titles), "people": len(people), "credits": len(credits), "events": len(events)}
