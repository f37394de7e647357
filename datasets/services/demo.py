"""A deterministic, generated demo catalog with viewers whose tastes are planted.

`demo_seed(seed=0)` builds (same seed ⇒ same catalog, same viewers, same events):

* ~1,200 fictional titles (movies, a few series) with plausible names, years, runtimes,
  genres, IMDb-like ratings and vote counts, overviews; ~300 people (directors, writers,
  actors, with birth years) and their credits. Titles are grouped in **taste clusters**: a
  cluster is a main genre + its two directors + an actor pool.
* ~200 viewers ``demo-viewer-N`` (unusable passwords) and one account you can log in with:
  ``demo`` / ``netfloox-demo``. Each viewer likes 1–2 clusters (`planted_tastes`): they click,
  play and watch to the end mostly titles of those clusters and rate them high, and rarely
  touch others (and then often skip or close them, with low ratings). The recommender should
  find exactly that structure.
* Events are stored through `interactions.services.events_import.events_import_bulk` (source
  `import`, deterministic event ids), so re-running adds nothing.

Demo titles carry ``netflix_id`` 900001+ and demo viewers ``netflix_customer_id`` 9000001+ —
outside the Netflix Prize ranges (MovieIDs 1–17,770, customer ids ≤ 2,649,429) — so the
real-time stream simulator and consumer map them, and a later real Netflix import never
collides with them. Demo people have no external id (they are found again by name).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from catalog.models import Person, Title
from catalog.text import normalize

from .importers.lookups import Lookups
from .importers.people import CreditRow, credits_upsert
from .importers.recorder import ImportRecorder, run_import
from .importers.titles import TitleRow, titles_upsert

DEMO_NETFLIX_ID_BASE = 900_000
DEMO_CUSTOMER_ID_BASE = 9_000_000
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "netfloox-demo"
EVENTS_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

CLUSTER_GENRES = ["Action", "Comedy", "Drama", "Horror", "Sci-Fi", "Romance", "Thriller", "Animation",
                  "Documentary", "Crime", "Fantasy", "Western"]
SECONDARY = {
    "Action": ["Adventure", "Thriller", "Crime"], "Comedy": ["Romance", "Family", "Drama"],
    "Drama": ["Romance", "History", "Biography"], "Horror": ["Thriller", "Mystery"],
    "Sci-Fi": ["Adventure", "Action", "Mystery"], "Romance": ["Comedy", "Drama"],
    "Thriller": ["Crime", "Mystery", "Drama"], "Animation": ["Family", "Adventure", "Comedy"],
    "Documentary": ["History", "Biography", "Music"], "Crime": ["Drama", "Thriller", "Mystery"],
    "Fantasy": ["Adventure", "Family"], "Western": ["Adventure", "Drama"],
}
CLUSTER_MEAN_RATING = {"Documentary": 7.4, "Drama": 7.0, "Animation": 7.0, "Crime": 6.8, "Western": 6.7,
                       "Sci-Fi": 6.5, "Thriller": 6.4, "Fantasy": 6.4, "Romance": 6.3, "Action": 6.2,
                       "Comedy": 6.1, "Horror": 5.6}

ADJ = ["Silent", "Crimson", "Hidden", "Last", "Broken", "Golden", "Forgotten", "Midnight", "Distant", "Electric",
       "Frozen", "Burning", "Velvet", "Hollow", "Restless", "Savage", "Gentle", "Lonely", "Wild", "Secret",
       "Endless", "Pale", "Iron", "Paper", "Neon", "Quiet", "Scarlet", "Wandering", "Bitter", "Shining"]
NOUN = ["Harbor", "Kingdom", "Garden", "Shadow", "River", "Empire", "Signal", "Promise", "Mirror", "Frontier",
        "Storm", "Orchard", "Circus", "Lantern", "Station", "Horizon", "Machine", "Island", "Winter", "Summer",
        "Letter", "Engine", "Tide", "Forest", "Road", "Voice", "Crown", "Witness", "Dream", "Stranger",
        "Heist", "Ghost", "Planet", "Sister", "Brother", "Detective", "Orbit", "Canyon", "Melody", "Reckoning"]
PLACE = ["Verona", "Tangier", "the North", "Lisbon", "the Valley", "Kyoto", "Marseille", "Nowhere", "the Sea",
         "Montana", "Havana", "Oslo", "the Moon", "Cairo", "Prague", "Saint-Malo", "Naples", "Dakar", "Quebec"]
FIRST = ["Ada", "Bruno", "Camille", "Diego", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Louis",
         "Maya", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tess", "Ugo", "Vera", "Wes", "Xenia", "Yann",
         "Zoe", "Amara", "Bastien", "Chloe", "Dmitri", "Esme", "Felix", "Gaia", "Hana", "Ivan", "Jade", "Kofi",
         "Lena", "Marco", "Nora"]
LAST = ["Arden", "Bellamy", "Castillo", "Duval", "Eriksen", "Fontaine", "Garnier", "Hale", "Ivanova", "Jensen",
        "Kowalski", "Laurent", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Sato", "Tanaka",
        "Ueda", "Varga", "Weller", "Xu", "Young", "Zimmer", "Abbott", "Brennan", "Costa", "Delacroix"]
ROMAN = ["II", "III", "IV"]
PLOTS = {
    "Action": "a former agent is pulled back for one last job",
    "Comedy": "two mismatched neighbours try to save a failing bakery",
    "Drama": "a family gathers after years of silence",
    "Horror": "something wakes beneath an old house",
    "Sci-Fi": "a crew receives a signal from beyond the edge of known space",
    "Romance": "two strangers keep missing each other by minutes",
    "Thriller": "a witness realises the detective on the case is lying",
    "Animation": "a small robot sets out to find the sun",
    "Documentary": "the people behind a vanishing craft tell their story",
    "Crime": "a careful thief plans the heist of a lifetime",
    "Fantasy": "an apprentice inherits a map that redraws itself",
    "Western": "a drifter rides into a town that owes him a debt",
}


@dataclasses.dataclass
class DemoCatalog:
    """The generated world (pure data, no ORM): used to write the demo and by the tests."""

    titles: list[dict]
    people: list[dict]
    credits: list[tuple]  # (title index, person index, category, ordering, job, characters)
    clusters: list[dict]  # {genre, directors: [person idx], actors: [person idx]}
    tastes: dict[str, list[int]]  # username → cluster indexes


def planted_tastes(*, seed: int, viewers: int) -> dict[str, list[int]]:
    """The clusters each demo viewer likes (1–2), a pure function of the seed."""
    rng = random.Random(f"tastes-{seed}")
    n = len(CLUSTER_GENRES)
    out = {}
    for i in range(1, viewers + 1):
        k = 1 if rng.random() < 0.4 else 2
        out[f"demo-viewer-{i}"] = sorted(rng.sample(range(n), k))
    out[DEMO_USERNAME] = [rng.randrange(n)]
    return out


def _person_name(rng, used):
    for _ in range(1000):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of demo names")


def _title_name(rng, used):
    for _ in range(1000):
        pattern = rng.randrange(7)
        if pattern == 0:
            name = f"The {rng.choice(ADJ)} {rng.choice(NOUN)}"
        elif pattern == 1:
            name = f"{rng.choice(NOUN)} of {rng.choice(PLACE)}"
        elif pattern == 2:
            name = f"{rng.choice(ADJ)} {rng.choice(NOUN)}s"
        elif pattern == 3:
            name = f"A {rng.choice(NOUN)} in {rng.choice(PLACE)}"
        elif pattern == 4:
            name = f"{rng.choice(FIRST)}'s {rng.choice(NOUN)}"
        elif pattern == 5:
            name = f"The {rng.choice(NOUN)} and the {rng.choice(NOUN)}"
        else:
            name = f"{rng.choice(ADJ)} {rng.choice(NOUN)} {rng.choice(ROMAN)}"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of demo titles")


def demo_catalog(*, seed: int = 0, titles: int = 1200, viewers: int = 200) -> DemoCatalog:
    """Generate the demo world deterministically (no database access)."""
    rng = random.Random(f"catalog-{seed}")
    used_names: set[str] = set()
    people, clusters = [], []

    def person(profession, lo=1940, hi=2000):
        people.append({"name": _person_name(rng, used_names), "birth_year": rng.randint(lo, hi),
                       "primary_profession": profession})
        return len(people) - 1

    for g in CLUSTER_GENRES:
        clusters.append({"genre": g, "directors": [person("director", 1940, 1990) for _ in range(2)],
                         "actors": [person("actor", 1950, 2002) for _ in range(16)]})
    writers = [person("writer", 1940, 1995) for _ in range(36)]
    shared_actors = [person("actor", 1945, 2004) for _ in range(38)]

    used_titles: set[str] = set()
    out_titles, credits = [], []
    for i in range(titles):
        c = i % len(clusters) if i < len(clusters) * 2 else rng.randrange(len(clusters))
        cl = clusters[c]
        g = cl["genre"]
        r = rng.random()
        ttype = "tvSeries" if r < 0.06 else "tvMiniSeries" if r < 0.08 else "movie"
        year = min(2025, int(1965 + 60 * math.sqrt(rng.random())))
        end = None
        if ttype == "tvSeries":
            end = None if rng.random() < 0.4 else min(2025, year + rng.randint(1, 8))
        elif ttype == "tvMiniSeries":
            end = year
        runtime = rng.randint(22, 62) if ttype != "movie" else (rng.randint(75, 110) if g == "Animation"
                                                                 else rng.randint(84, 165))
        genres = [g] + rng.sample(SECONDARY[g], rng.randint(0, 2))
        rating = round(min(9.4, max(2.5, rng.gauss(CLUSTER_MEAN_RATING[g], 0.9))), 1)
        votes = int(min(2_500_000, 60 * math.exp(rng.gauss(6.5, 1.8))))
        name = _title_name(rng, used_titles)
        lead = people[cl["actors"][0]]["name"] if g not in ("Documentary", "Animation") else "its makers"
        out_titles.append({
            "netflix_id": DEMO_NETFLIX_ID_BASE + i + 1, "cluster": c, "title_type": ttype, "primary_title": name,
            "start_year": year, "end_year": end, "runtime_minutes": runtime, "genres": genres,
            "imdb_rating": rating, "imdb_votes": votes,
            "overview": f"In {name}, {PLOTS[g]}. {'A series' if ttype != 'movie' else 'A film'} directed by "
                        f"{people[cl['directors'][0]]['name']}, with {lead}.",
        })
        credits.append((i, rng.choice(cl["directors"]), "director", 0, "", []))
        for k, w in enumerate(rng.sample(writers, rng.randint(1, 2))):
            credits.append((i, w, "writer", 1 + k, "screenplay", []))
        cast = rng.sample(cl["actors"], rng.randint(3, 5)) + rng.sample(shared_actors, rng.randint(0, 2))
        for k, a in enumerate(cast):
            credits.append((i, a, "actor", 10 + k, "", [f"{rng.choice(FIRST)} {rng.choice(LAST)}"]))
    return DemoCatalog(titles=out_titles, people=people, credits=credits, clusters=clusters,
                       tastes=planted_tastes(seed=seed, viewers=viewers))


def demo_events(cat: DemoCatalog, *, seed: int, user_ids: dict[str, int], title_ids: list[int]):
    """(user_id, title_id, kind, value, ts) rows following each viewer's planted tastes."""
    rng = random.Random(f"events-{seed}")
    by_cluster: dict[int, list[int]] = {}
    for i, t in enumerate(cat.titles):
        by_cluster.setdefault(t["cluster"], []).append(i)
    everything = list(range(len(cat.titles)))
    for username in sorted(cat.tastes, key=lambda u: (len(u), u)):
        uid = user_ids[username]
        liked = cat.tastes[username]
        pool = [i for c in liked for i in by_cluster.get(c, [])]
        n = rng.randint(40, 130)
        picks = set()
        for _ in range(n):
            if pool and rng.random() < 0.85:
                picks.add(rng.choice(pool))
            else:
                picks.add(rng.choice(everything))
        ts = EVENTS_START + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        for i in sorted(picks):
            tid = title_ids[i]
            likes = cat.titles[i]["cluster"] in liked
            ts += dt.timedelta(minutes=rng.randint(5, 60 * 24 * 3))
            yield uid, tid, "thumbnail_click", None, ts
            if likes:
                if rng.random() < 0.92:
                    yield uid, tid, "play", 0.0, ts + dt.timedelta(seconds=30)
                    if rng.random() < 0.75:
                        yield uid, tid, "full_watch", 1.0, ts + dt.timedelta(minutes=100)
                        if rng.random() < 0.15:
                            yield uid, tid, "full_watch", 1.0, ts + dt.timedelta(days=rng.randint(20, 200))
                if rng.random() < 0.45:
                    yield uid, tid, "rating", rng.choice([4.0, 4.5, 5.0, 5.0, 3.5]), ts + dt.timedelta(minutes=110)
            else:
                if rng.random() < 0.35:
                    yield uid, tid, "play", 0.0, ts + dt.timedelta(seconds=30)
                    yield uid, tid, rng.choice(["close", "skip"]), 0.1, ts + dt.timedelta(minutes=rng.randint(2, 15))
                if rng.random() < 0.12:
                    yield uid, tid, "rating", rng.choice([1.0, 1.5, 2.0, 2.5, 3.0]), ts + dt.timedelta(minutes=20)


# --- writing it ----------------------------------------------------------------------------------
def demo_seed(*, seed: int = 0, titles: int = 1200, viewers: int = 200, if_empty: bool = False, progress=None):
    """Write the demo world (idempotent). Returns the ImportRun, or None when `if_empty` and titles exist."""
    if if_empty and Title.objects.exists():
        return None
    if titles < len(CLUSTER_GENRES) or viewers < 1:
        from core.errors import ValidationFailed

        raise ValidationFailed(f"The demo needs at least {len(CLUSTER_GENRES)} titles and 1 viewer.")
    cat = demo_catalog(seed=seed, titles=titles, viewers=viewers)

    def body(rec: ImportRecorder):
        with rec.part("demo titles"):
            rec.count(read=len(cat.titles))
            title_map = {}
            lookups = Lookups()
            for start in range(0, len(cat.titles), 2000):
                rows = [TitleRow(line=j + 1, key=t["netflix_id"], genres=t["genres"], fields={
                    k: t[k] for k in ("title_type", "primary_title", "start_year", "end_year", "runtime_minutes",
                                      "imdb_rating", "imdb_votes", "overview")})
                    for j, t in enumerate(cat.titles[start:start + 2000], start)]
                for t in rows:
                    t.fields["imdb_rating"] = Decimal(str(t.fields["imdb_rating"]))
                title_map.update(titles_upsert(rows, source="demo", key="netflix_id", path="(generated)", rec=rec,
                                               lookups=lookups, owned=("imdb_rating", "imdb_votes", "overview")))
        title_ids = [title_map[t["netflix_id"]] for t in cat.titles]
        with rec.part("demo people and credits"):
            person_ids = _write_people(cat, rec)
            rows = [CreditRow(title_id=title_ids[ti], person_id=person_ids[pi], category=c, ordering=o, job=j,
                              characters=ch) for ti, pi, c, o, j, ch in cat.credits]
            res = credits_upsert(rows)
            rec.count(read=len(rows), inserted=res["inserted"], updated=res["updated"], unchanged=res["unchanged"])
        with rec.part("demo viewers"):
            user_ids = _write_viewers(cat, rec)
        with rec.part("demo events"):
            from interactions.services.events_import import events_import_bulk

            counts = events_import_bulk(key=f"demo-{seed}", rows=demo_events(cat, seed=seed, user_ids=user_ids,
                                                                             title_ids=title_ids))
            rec.count(read=counts["read"], inserted=counts["inserted"], unchanged=counts["duplicates"])
            rec.notes.append(f"demo events: {counts['interactions']:,} interaction aggregate(s) written")
            from interactions.services.stats import title_stats_refresh

            title_stats_refresh()

    return run_import(source="demo", paths=[], options={"seed": seed, "titles": titles, "viewers": viewers},
                      progress=progress, body=body)


def _write_people(cat, rec) -> list[int]:
    names = [p["name"] for p in cat.people]
    existing = {}
    for pk, name, birth, prof in Person.objects.filter(name__in=names, imdb_id__isnull=True, tmdb_id__isnull=True) \
            .order_by("id").values_list("id", "name", "birth_year", "primary_profession"):
        existing.setdefault(name, (pk, birth, prof))
    new, changed = [], 0
    with transaction.atomic():
        for p in cat.people:
            e = existing.get(p["name"])
            if e is None:
                new.append(Person(name=p["name"], search_name=normalize(p["name"]), birth_year=p["birth_year"],
                                  primary_profession=p["primary_profession"]))
            elif (e[1], e[2]) != (p["birth_year"], p["primary_profession"]):
                Person.objects.filter(pk=e[0]).update(birth_year=p["birth_year"],
                                                      primary_profession=p["primary_profession"])
                changed += 1
        Person.objects.bulk_create(new)
    for p in new:
        existing[p.name] = (p.pk, None, None)
    rec.count(read=len(cat.people), inserted=len(new), updated=changed,
              unchanged=len(cat.people) - len(new) - changed)
    return [existing[p["name"]][0] for p in cat.people]


def _write_viewers(cat, rec) -> dict[str, int]:
    from accounts.models import Profile

    User = get_user_model()
    names = sorted(cat.tastes, key=lambda u: (len(u), u))
    found = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    unusable = make_password(None)
    new = [User(username=u, password=unusable) for u in names if u not in found and u != DEMO_USERNAME]
    created_demo = DEMO_USERNAME not in found
    with transaction.atomic():
        User.objects.bulk_create(new)
        if created_demo:
            demo = User(username=DEMO_USERNAME, first_name="Demo")
            demo.set_password(DEMO_PASSWORD)  # the documented demo account (seed_demo --help)
            demo.save()
        found = dict(User.objects.filter(username__in=names).values_list("username", "id"))
        have = set(Profile.objects.filter(user_id__in=found.values()).values_list("user_id", flat=True))
        wanted = {u: DEMO_CUSTOMER_ID_BASE + (int(u.rsplit("-", 1)[1]) if u != DEMO_USERNAME else 0) for u in names}
        taken = set(Profile.objects.filter(netflix_customer_id__in=wanted.values())
                    .values_list("netflix_customer_id", flat=True))
        Profile.objects.bulk_create([
            Profile(user_id=found[u], netflix_customer_id=None if wanted[u] in taken else wanted[u], onboarded=True)
            for u in names if found[u] not in have])
    inserted = len(new) + created_demo
    rec.count(read=len(names), inserted=inserted, unchanged=len(names) - inserted)
    return found
