"""A small catalog with two planted taste clusters (action vs romance viewers)."""
import datetime as dt

import pytest
from django.utils import timezone

from accounts.services import viewer_create
from catalog.models import Genre, Title
from interactions.models import Interaction

N_TITLES = 24
N_VIEWERS = 30


@pytest.fixture
def planted(db):
    action = Genre.objects.create(name="Action", slug="action")
    romance = Genre.objects.create(name="Romance", slug="romance")
    titles = {"action": [], "romance": []}
    for i in range(N_TITLES):
        for name, g in (("action", action), ("romance", romance)):
            t = Title.objects.create(primary_title=f"{name.title()} film {i}", start_year=1990 + i % 20,
                                     imdb_votes=1000 + i, imdb_rating=6.5)
            t.genres.add(g)
            titles[name].append(t)
    # Cold titles: in the catalog, no interaction at all.
    cold = {}
    for name, g in (("action", action), ("romance", romance)):
        t = Title.objects.create(primary_title=f"New {name} release", start_year=2024)
        t.genres.add(g)
        cold[name] = t
    now = timezone.now() - dt.timedelta(days=1)
    viewers = {"action": [], "romance": []}
    rows = []
    for v in range(N_VIEWERS):
        taste = "action" if v % 2 == 0 else "romance"
        user = viewer_create(username=f"{taste}-fan-{v}", password="Passw0rd-long-enough")
        viewers[taste].append(user)
        # Each fan watched 12 of their 24 cluster titles (rotating), and one random other.
        for j in range(12):
            t = titles[taste][(v * 5 + j) % N_TITLES]
            rows.append(Interaction(user=user, title=t, weight=4.0, implicit_score=4.0, full_watches=1,
                                    event_count=2, first_at=now, last_at=now))
        other = "romance" if taste == "action" else "action"
        rows.append(Interaction(user=user, title=titles[other][v % N_TITLES], weight=1.0, implicit_score=1.0,
                                event_count=1, first_at=now, last_at=now))
    Interaction.objects.bulk_create(rows)
    return {"titles": titles, "cold": cold, "viewers": viewers, "genres": {"action": action, "romance": romance}}


@pytest.fixture
def trained(planted):
    from recommendations.services.recommender import recommender_train

    mv = recommender_train(triggered_by="test", search=False)
    assert mv.is_active, mv.gate
    return {**planted, "version": mv}
