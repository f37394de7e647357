"""Imported history keeps its own date and never counts as today's activity.

A Netflix-style import dated 2005 and a MovieLens-style import dated by its Unix timestamp are
stored with those dates; the viewing KPIs (events per day, active viewers, completion), and the
home page's "Trending now" row, which all read the event's time, do not move. A play on the site
today does.
"""
import datetime as dt
import uuid

import pytest
from django.utils import timezone

from analytics.filters import ViewingFilters
from analytics.selectors.viewing import kpi_active_viewers, kpi_completion, kpi_events_per_day
from catalog.models import Title
from interactions.models import ImportedRating
from interactions.services import ratings_import
from interactions.services.events import events_record
from recommendations import selectors as rec_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(db):
    return [Title.objects.create(primary_title=f"Old film {i}", netflix_id=i + 1, movielens_id=i + 1)
            for i in range(3)]


def _activity():
    f = ViewingFilters(days=30)
    active = kpi_active_viewers(filters=f)
    return (kpi_events_per_day(filters=f)["events"], active["last_1_day"], active["last_30_days"],
            kpi_completion(filters=f)["starters"])


def test_imported_ratings_keep_their_date_and_are_not_todays_activity(films, viewer, client):
    ratings_import.ratings_import_bulk(source="netflix", rows=[(7, films[0].id, 4, "2005-06-01"),
                                                        (8, films[1].id, 5, "2005-06-02")])
    now = timezone.now()
    ratings_import.ratings_import_bulk(source="movielens", rows=[(3, films[2].id, 3.5, now - dt.timedelta(days=400))])
    dates = sorted(ImportedRating.objects.values_list("rated_at", flat=True))
    assert dates[0] == dt.datetime(2005, 6, 1, tzinfo=dt.UTC) and dates[1] == dt.datetime(2005, 6, 2, tzinfo=dt.UTC)
    assert abs((dates[2] - (now - dt.timedelta(days=400))).total_seconds()) < 1

    assert _activity() == (0, 0, 0, 0)
    assert rec_selectors.trending_titles(k=10) == []
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing watched in the last 7 days" in page

    events_record(events=[{"event_id": str(uuid.uuid4()), "title_id": films[1].id, "kind": "play"}],
                  actor=viewer, source="web")
    assert _activity() == (1, 1, 1, 1)
    assert [t.id for t in rec_selectors.trending_titles(k=10)] == [films[1].id]
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Most watched in the last 7 days" in page
