"""A small catalog and viewing log whose KPIs are computed by hand in the tests.

People (acting credits, * = excluded from the age KPI):
  Alice (actress, b. 1950): T1 1960, T2 1965, T5 2012 (series), T6 2018 (mini-series)
  Bob   (actor,   b. 1940): T1 1960, T3 2010, T8 1990 (short)
  Carl  (actor,   b. ?   ): T3 2010*, T5 2012*            — missing birth year
  Dora  (actress, b. 1990): T1 1960* (age −30, absurd), T6 2018
  Fay   (actress, b. 2000): T5 2012
  Sam   (self,    b. 1970): T5 — not an actor credit
  Eve   (director):         T1, T3
"""
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def make_title(**kw):
    from catalog.models import Title

    genres = kw.pop("genres", [])
    countries = kw.pop("countries", [])
    t = Title.objects.create(**kw)
    if genres:
        t.genres.add(*genres)
    if countries:
        t.countries.add(*countries)
    return t


@pytest.fixture
def catalog(db):
    from catalog.models import Country, Credit, Genre, Person

    drama = Genre.objects.create(name="Drama", slug="drama")
    comedy = Genre.objects.create(name="Comedy", slug="comedy")
    action = Genre.objects.create(name="Action", slug="action")
    us = Country.objects.create(code="US", name="United States")
    fr = Country.objects.create(code="FR", name="France")
    T = {}
    T[1] = make_title(primary_title="One", title_type="movie", start_year=1960, runtime_minutes=90,
                      imdb_rating=Decimal("8.0"), imdb_votes=1000, budget=10_000_000, revenue=30_000_000,
                      genres=[drama], countries=[us])
    T[2] = make_title(primary_title="Two", title_type="movie", start_year=1965, runtime_minutes=100,
                      imdb_rating=Decimal("6.0"), imdb_votes=100, budget=20_000_000, revenue=10_000_000,
                      genres=[drama, comedy], countries=[us])
    T[3] = make_title(primary_title="Three", title_type="movie", start_year=2010, runtime_minutes=120,
                      imdb_rating=Decimal("7.0"), imdb_votes=500, budget=0, revenue=5, genres=[action],
                      countries=[fr])
    T[4] = make_title(primary_title="Four", title_type="movie", start_year=2015, genres=[comedy])
    T[5] = make_title(primary_title="Five", title_type="tvSeries", start_year=2012, runtime_minutes=45,
                      imdb_rating=Decimal("9.0"), imdb_votes=2000, genres=[drama])
    T[6] = make_title(primary_title="Six", title_type="tvMiniSeries", start_year=2018, runtime_minutes=50,
                      genres=[drama])
    T[7] = make_title(primary_title="Seven", title_type="movie", start_year=2011, runtime_minutes=5000)
    T[8] = make_title(primary_title="Eight", title_type="short", start_year=1990, runtime_minutes=10)
    T[9] = make_title(primary_title="Nine", title_type="movie", runtime_minutes=95)
    P = {}
    for name, birth in [("Alice", 1950), ("Bob", 1940), ("Carl", None), ("Dora", 1990), ("Fay", 2000),
                        ("Sam", 1970), ("Eve", 1930)]:
        P[name] = Person.objects.create(name=name, birth_year=birth)
    acting = [("Alice", "actress", [1, 2, 5, 6]), ("Bob", "actor", [1, 3, 8]), ("Carl", "actor", [3, 5]),
              ("Dora", "actress", [1, 6]), ("Fay", "actress", [5]), ("Sam", "self", [5]),
              ("Eve", "director", [1, 3])]
    for name, cat, ids in acting:
        for i in ids:
            Credit.objects.create(title=T[i], person=P[name], category=cat)
    return {"titles": T, "people": P, "genres": {"drama": drama, "comedy": comedy, "action": action}}


def _user(username, **kw):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password="x-Passw0rd-1", **kw)


@pytest.fixture
def staff(db):
    return _user("boss", is_staff=True)


@pytest.fixture
def viewing(catalog):
    """Events relative to now (hours ago) — see the tests for the hand-computed KPIs."""
    from core.models import ModelVersion
    from interactions.models import Event
    from recommendations.models import RecommendationSnapshot

    now = timezone.now()
    T = catalog["titles"]
    u1, u2, u3 = _user("u1"), _user("u2"), _user("u3")

    def ev(user, title, kind, hours):
        Event.objects.create(event_id=uuid.uuid4(), user=user, title=T[title], kind=kind, source="web",
                             server_ts=now - dt.timedelta(hours=hours))

    ev(u1, 1, "play", 50)
    ev(u1, 1, "full_watch", 49)
    ev(u2, 1, "play", 30)
    ev(u2, 1, "close", 29)
    ev(u3, 2, "play", 30)
    ev(u3, 2, "close", 29)
    ev(u1, 2, "play", 40 * 24)  # outside the 30-day window
    ev(u3, 3, "thumbnail_click", 1)
    ev(u2, 3, "full_watch", 1)  # a full watch without a play event

    def snap(user, reason, items, hours):
        s = RecommendationSnapshot.objects.create(user=user, reason=reason,
                                                  items=[{"title_id": T[i].id, "score": 1.0} for i in items])
        RecommendationSnapshot.objects.filter(pk=s.pk).update(created_at=now - dt.timedelta(hours=hours))

    snap(u1, "top_picks", [1, 2, 3], 60)
    snap(u1, "top_picks", [1], 10)  # same pair again: counted once, from its first recommendation
    snap(u2, "fallback", [1, 3], 100)
    snap(u3, "top_picks", [1], 40 * 24)  # outside the window

    ModelVersion.objects.create(name="recommender", version="v1", status="retired",
                                metrics={"ndcg@10": 0.1, "recall@10": 0.2, "flag": True, "test": {"ndcg@10": 0.12},
                                         "note": "text"})
    ModelVersion.objects.create(name="recommender", version="v2", status="active", is_active=True,
                                metrics={"ndcg@10": 0.15})
    ModelVersion.objects.create(name="popularity", version="p1", status="active", is_active=True,
                                metrics={"r2": 0.3, "rmse": 1.1})
    return {"users": (u1, u2, u3), "now": now}
