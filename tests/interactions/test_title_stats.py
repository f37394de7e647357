"""interactions.services.stats.title_stats_refresh against its definition computed in Python: a
(viewer, title) pair counts once, from the live aggregate when it is there (a hidden one counts
nowhere), else from its imported rating."""
import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Title
from interactions.models import ImportedRating, Interaction, TitleStats
from interactions.services.stats import title_stats_refresh

pytestmark = pytest.mark.django_db


def test_title_stats_count_each_pair_once_over_both_tables():
    rng = random.Random(3)
    users = [get_user_model().objects.create(username=f"ts{i}") for i in range(12)]
    titles = [Title.objects.create(primary_title=f"S{i}") for i in range(6)]
    now = timezone.now()
    live, imported = {}, {}
    for u in users:
        for t in titles:
            r = rng.random()
            if r < 0.35:
                live[(u.id, t.id)] = Interaction(user=u, title=t, weight=2.0, implicit_score=2.0, event_count=1,
                                                 rating=rng.choice([None, 3.0, 4.5]), first_at=now, last_at=now,
                                                 hidden=rng.random() < 0.2)
            if 0.2 < r < 0.8:
                imported[(u.id, t.id)] = ImportedRating(user=u, title=t, rating_halves=rng.randint(1, 10), source=1,
                                                        rated_at=now - dt.timedelta(days=400))
    Interaction.objects.bulk_create(live.values())
    ImportedRating.objects.bulk_create(imported.values())
    assert any(k in imported for k in live) and any(k not in live for k in imported)  # both cases present

    want = {}
    for (_u, t), i in live.items():
        if not i.hidden:
            v, n, s = want.get(t, (0, 0, 0.0))
            want[t] = (v + 1, n + (i.rating is not None), s + (i.rating or 0.0))
    for (u, t), h in imported.items():
        if (u, t) not in live:
            v, n, s = want.get(t, (0, 0, 0.0))
            want[t] = (v + 1, n + 1, s + h.rating_halves / 2)

    TitleStats.objects.create(title=titles[0], viewers=999, ratings=0, rating_sum=0, refreshed_at=now)  # stale
    assert title_stats_refresh() == len(want)
    got = {s.title_id: (s.viewers, s.ratings, pytest.approx(s.rating_sum)) for s in TitleStats.objects.all()}
    assert got == {t: (v, n, pytest.approx(s)) for t, (v, n, s) in want.items()}
