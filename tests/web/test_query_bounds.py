"""Pages issue a bounded number of SQL queries, whatever the catalog size (no N+1)."""
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interactions.services.events import events_record
from tests.web.catalog_data import build_catalog

pytestmark = pytest.mark.django_db

# Upper bounds (measured: see docs/ui.md); generous enough for the recommender's internals to evolve.
MAX_QUERIES = {"home_visitor": 30, "home_viewer": 45, "title": 25, "title_viewer": 30, "search": 12, "i_liked": 80}


def _count(client, url, data=None):
    client.get(url, data)  # warm caches (sessions, content types, model cache)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, data)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def _measure(client, viewer, n_titles):
    titles = build_catalog(n_titles)
    inception = titles[0]
    events_record(events=[{"event_id": str(uuid.uuid4()), "title_id": t.pk, "kind": "play"} for t in titles[:40]],
                  actor=viewer, source="web")
    counts = {"home_visitor": _count(client, "/"),
              "title": _count(client, reverse("web:title", args=[inception.pk])),
              "search": _count(client, reverse("web:search"), {"q": "e"}),
              "i_liked": _count(client, reverse("recommendations:i_liked"), {"names": ["Inception", "Amélie"]})}
    client.force_login(viewer)
    counts["home_viewer"] = _count(client, "/")
    counts["title_viewer"] = _count(client, reverse("web:title", args=[inception.pk]))
    client.logout()
    return counts


@pytest.fixture
def counts_50(client, viewer):
    return _measure(client, viewer, 50)


def test_home_and_title_pages_do_not_grow_with_the_catalog(client, viewer, counts_50, django_assert_max_num_queries):
    from catalog.models import Title

    Title.objects.all().delete()
    counts_500 = _measure(client, viewer, 500)
    print(f"queries per page, 50 titles: {counts_50}; 500 titles: {counts_500}")
    # ±1: a prefetch is skipped when its queryset is empty (small catalogs have more empty rows).
    for page in counts_50:
        assert abs(counts_500[page] - counts_50[page]) <= 1, f"50 titles: {counts_50}, 500 titles: {counts_500}"
    for page, bound in MAX_QUERIES.items():
        assert counts_500[page] <= bound, (page, counts_500[page])
    with django_assert_max_num_queries(MAX_QUERIES["home_visitor"]):
        client.get("/")
    client.force_login(viewer)
    with django_assert_max_num_queries(MAX_QUERIES["home_viewer"]):
        client.get("/")
    with django_assert_max_num_queries(MAX_QUERIES["title"]):
        client.get(reverse("web:title", args=[Title.objects.order_by("id").first().pk]))
