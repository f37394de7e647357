"""The catalog admin: usable changelists with a bounded number of queries whatever the row count."""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from catalog.models import Credit, Genre, ImportRun, Person, Title

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "s3cret-Passw0rd")
    client.force_login(user)
    return client


def make_catalog(n, start=0):
    genres = [Genre.objects.get_or_create(name=g, slug=g.lower())[0] for g in ("Drama", "Comedy", "Horror")]
    people = [Person.objects.create(name=f"Person {start + i}", imdb_id=f"nm{start + i:07d}") for i in range(n)]
    for i in range(n):
        t = Title.objects.create(primary_title=f"Film {start + i}", start_year=1950 + (start + i) % 70,
                                 imdb_id=f"tt{start + i:07d}", tmdb_id=start + i + 1, imdb_votes=i)
        t.genres.set(genres[: 1 + i % 3])
        Credit.objects.create(title=t, person=people[i], category="director")
        Credit.objects.create(title=t, person=people[(i + 1) % n], category="actor", ordering=1)


@pytest.mark.parametrize("url_name", ["admin:catalog_title_changelist", "admin:catalog_person_changelist",
                                      "admin:catalog_credit_changelist"])
def test_changelists_use_a_bounded_number_of_queries(admin_client, django_assert_max_num_queries, url_name):
    make_catalog(5)
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse(url_name)).status_code == 200
    make_catalog(45, start=100)
    with django_assert_max_num_queries(12):
        r = admin_client.get(reverse(url_name))
    assert r.status_code == 200


def test_title_changelist_shows_genres_and_searches_ids_and_names(admin_client):
    make_catalog(12)
    r = admin_client.get(reverse("admin:catalog_title_changelist"))
    assert "Drama, Comedy" in r.content.decode() or "Comedy, Drama" in r.content.decode()
    r = admin_client.get(reverse("admin:catalog_title_changelist"), {"q": "tt0000007"})
    assert list(r.context["cl"].result_list) == [Title.objects.get(imdb_id="tt0000007")]
    r = admin_client.get(reverse("admin:catalog_title_changelist"), {"q": "4"})  # tmdb id 4 (and titles with 4)
    assert Title.objects.get(tmdb_id=4) in list(r.context["cl"].result_list)
    r = admin_client.get(reverse("admin:catalog_title_changelist"), {"q": "film 11"})
    assert [t.primary_title for t in r.context["cl"].result_list] == ["Film 11"]


def test_decade_and_genre_filters(admin_client):
    make_catalog(12)
    Title.objects.create(primary_title="Undated")
    r = admin_client.get(reverse("admin:catalog_title_changelist"), {"decade": "1950"})
    assert sorted(t.start_year for t in r.context["cl"].result_list) == list(range(1950, 1960))
    r = admin_client.get(reverse("admin:catalog_title_changelist"), {"decade": "unknown"})
    assert [t.primary_title for t in r.context["cl"].result_list] == ["Undated"]
    horror = Genre.objects.get(name="Horror")
    r = admin_client.get(reverse("admin:catalog_title_changelist"), {"genres__id__exact": horror.id})
    assert {t.pk for t in r.context["cl"].result_list} == set(horror.titles.values_list("pk", flat=True))


def test_title_and_person_pages_show_credits_inline(admin_client, django_assert_max_num_queries):
    make_catalog(30)
    t = Title.objects.get(imdb_id="tt0000003")
    with django_assert_max_num_queries(25):
        r = admin_client.get(reverse("admin:catalog_title_change", args=[t.pk]))
    assert r.status_code == 200 and "Person 3" in r.content.decode()
    p = Person.objects.get(imdb_id="nm0000003")
    r = admin_client.get(reverse("admin:catalog_person_change", args=[p.pk]))
    assert r.status_code == 200 and "Film 3" in r.content.decode()


def test_import_runs_are_read_only(admin_client):
    run = ImportRun.objects.create(source="imdb", rows_read=10, errors=[{"file": "x", "line": 2, "reason": "bad"}])
    assert admin_client.get(reverse("admin:catalog_importrun_changelist")).status_code == 200
    r = admin_client.get(reverse("admin:catalog_importrun_change", args=[run.pk]))
    assert r.status_code == 200 and "bad" in r.content.decode()
    admin_client.post(reverse("admin:catalog_importrun_change", args=[run.pk]), {"source": "hacked"})
    run.refresh_from_db()
    assert run.source == "imdb"
    assert admin_client.get(reverse("admin:catalog_importrun_add")).status_code == 403
