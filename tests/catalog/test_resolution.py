"""Entity resolution: one title per work whatever the import order (catalog.services.resolution)."""
import datetime as dt
import itertools

import pytest
from django.core.management import CommandError, call_command

from catalog.matching import match_key
from catalog.models import Credit, Genre, Person, Title
from catalog.services.resolution import title_duplicates, title_merge, titles_resolve
from datasets.services.importers.movielens import movielens_import
from datasets.services.importers.netflix import netflix_import
from interactions.models import Event, ImportedRating, Interaction
from tests.datasets.conftest import write

pytestmark = pytest.mark.django_db

NETFLIX_TITLES = ("1,1995,Toy Story\r\n2,1995,Jumanji\r\n3,1996,American President, The\r\n"
                  "4,2001,Sex and the City: Season 4\r\n5,2003,Kill Bill: Vol. 1\r\n6,2004,Kill Bill: Vol. 2\r\n"
                  "7,1999,Twin Film\r\n8,1999,Twin Film\r\n")
NETFLIX_RATINGS = "1:\n11,5,2005-01-02\n12,4,2005-01-03\n5:\n11,3,2005-02-01\n"
ML_MOVIES = ("movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,Jumanji (1995),Adventure\n"
             '3,"American President, The (1995)",Comedy|Drama\n4,Kill Bill: Vol. 1 (2003),Action\n'
             "5,Kill Bill: Vol. 2 (2004),Action\n6,Twin Film (1999),Drama\n7,Unrelated (1995),Drama\n")
ML_LINKS = ("movieId,imdbId,tmdbId\n1,0114709,862\n2,0113497,8844\n3,0112346,9087\n4,0266697,24\n5,0378194,393\n"
            "6,0000006,\n7,0000007,\n")
ML_RATINGS = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,4,3.5,964981247\n"


def test_match_key_meets_the_sources_forms():
    assert match_key("Toy Story") == match_key("Toy Story ") == "toy story"
    assert match_key("American President, The") == match_key("The American President") == "american president"
    assert match_key("Fabuleux destin d'Amélie Poulain, Le") == match_key("Le Fabuleux Destin d'Amelie Poulain")
    assert match_key("Sex and the City: Season 4") == match_key("Sex and the City") == "sex and the city"
    assert match_key("The Office (Series)") == "office"
    assert match_key("Kill Bill: Vol. 1") != match_key("Kill Bill: Vol. 2")  # two films
    assert match_key("Rocky & Bullwinkle") == match_key("Rocky and Bullwinkle")


def _import(order, tmp_path):
    nf = write(tmp_path / "movie_titles.csv", NETFLIX_TITLES, encoding="latin-1")
    ratings = write(tmp_path / "combined_data_1.txt", NETFLIX_RATINGS)
    ml = tmp_path / "ml"
    write(ml / "movies.csv", ML_MOVIES)
    write(ml / "links.csv", ML_LINKS)
    write(ml / "ratings.csv", ML_RATINGS)
    for source in order:
        if source == "netflix":
            netflix_import(titles_path=nf, ratings_paths=[ratings])
        else:
            movielens_import(directory=ml)


def _catalog():
    """The catalog as a set of works: ids, title and year of each (not its row id)."""
    return sorted(tuple(str(v) for v in (t.primary_title, t.start_year, t.netflix_id, t.movielens_id, t.imdb_id,
                                        t.tmdb_id, t.runtime_minutes, sorted(t.genres.values_list("slug", flat=True))))
                  for t in Title.objects.all())


@pytest.mark.parametrize("order", [("netflix", "movielens"), ("movielens", "netflix")])
def test_twins_are_merged_whatever_the_order(tmp_path, order):
    _import(order, tmp_path)
    toy = Title.objects.get(netflix_id=1)
    assert (toy.movielens_id, toy.imdb_id, toy.primary_title) == (1, "tt0114709", "Toy Story")
    assert Title.objects.get(netflix_id=3).movielens_id == 3  # "American President, The" (1996 vs 1995)
    assert Title.objects.get(netflix_id=5).movielens_id == 4 and Title.objects.get(netflix_id=6).movielens_id == 5
    assert Title.objects.get(netflix_id=4).movielens_id is None  # a season is not the series
    # Two Netflix titles with one name and year: not merged silently, listed for review.
    assert Title.objects.filter(primary_title="Twin Film").count() == 3
    groups = title_duplicates()
    assert [sorted(t["netflix_id"] or 0 for t in g["titles"]) for g in groups] == [[0, 7, 8]]
    # Every rating is on the merged title, from both datasets.
    assert ImportedRating.objects.filter(title=toy).count() == 3
    assert not Title.objects.filter(primary_title="Toy Story").exclude(id=toy.id).exists()


def test_any_order_gives_the_same_catalog(tmp_path, django_db_blocker):
    catalogs = []
    for i, order in enumerate(itertools.permutations(("netflix", "movielens"))):
        _import(order, tmp_path / str(i))
        catalogs.append(_catalog())
        ImportedRating.objects.all().delete()
        Title.objects.all().delete()
    assert catalogs[0] == catalogs[1]


def test_merging_moves_everything_and_folds_a_viewers_two_rows(viewer):
    g1, g2 = Genre.objects.create(name="Drama", slug="drama"), Genre.objects.create(name="Comedy", slug="comedy")
    keep = Title.objects.create(primary_title="Film", start_year=2000, movielens_id=5, imdb_id="tt5")
    drop = Title.objects.create(primary_title="Film", start_year=2000, netflix_id=9, runtime_minutes=101)
    keep.genres.add(g1)
    drop.genres.add(g1, g2)
    p = Person.objects.create(name="Director")
    Credit.objects.create(title=drop, person=p, category="director")
    Credit.objects.create(title=keep, person=p, category="director")
    t0 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    Interaction.objects.create(user=viewer, title=keep, weight=2, implicit_score=2, event_count=1, first_at=t0,
                               last_at=t0)
    Interaction.objects.create(user=viewer, title=drop, weight=4, implicit_score=4, event_count=2, full_watches=1,
                               rating=None, first_at=t0 - dt.timedelta(days=1), last_at=t0 + dt.timedelta(days=1))
    Event.objects.create(event_id="6d5f0b3e-3a1f-4c3b-9c47-1f1f1f1f1f1f", user=viewer, title=drop, kind="play",
                         server_ts=t0, source="web")
    ImportedRating.objects.create(user=viewer, title=keep, rated_at=t0, rating_halves=4, source=1)
    ImportedRating.objects.create(user=viewer, title=drop, rated_at=t0 + dt.timedelta(days=3), rating_halves=9,
                                  source=1)

    merged = title_merge(keep_id=keep.id, drop_id=drop.id)
    assert not Title.objects.filter(id=drop.id).exists()
    assert (merged.netflix_id, merged.movielens_id, merged.runtime_minutes) == (9, 5, 101)
    assert set(merged.genres.values_list("slug", flat=True)) == {"drama", "comedy"}
    assert Credit.objects.filter(title=merged).count() == 1
    inter = Interaction.objects.get(user=viewer)
    assert (inter.title_id, inter.implicit_score, inter.event_count, inter.full_watches) == (keep.id, 4, 3, 1)
    assert inter.first_at == t0 - dt.timedelta(days=1) and inter.last_at == t0 + dt.timedelta(days=1)
    assert Event.objects.get().title_id == keep.id
    assert list(ImportedRating.objects.values_list("title_id", "rating_halves")) == [(keep.id, 9)]  # the later


def test_two_works_are_never_merged():
    a = Title.objects.create(primary_title="Same", start_year=2000, netflix_id=1)
    b = Title.objects.create(primary_title="Same", start_year=2000, netflix_id=2)
    with pytest.raises(ValueError, match="two works"):
        title_merge(keep_id=a.id, drop_id=b.id)
    res = titles_resolve()
    assert res.merges == [] and res.ambiguous == []  # two titles of one source, nothing else: two works
    assert Title.objects.count() == 2


def test_catalog_duplicates_command_reports_and_merges_on_demand(capsys):
    a = Title.objects.create(primary_title="Twin", start_year=1999, netflix_id=7)
    b = Title.objects.create(primary_title="Twin", start_year=1999, netflix_id=8)
    c = Title.objects.create(primary_title="Twin", start_year=1999, movielens_id=6)
    Title.objects.filter(id__in=[a.id, b.id, c.id]).update(match_key="")  # as before this release
    call_command("catalog_duplicates", "--merge")
    out = capsys.readouterr().out
    assert "3 match key(s) filled" in out and "1 group(s) need a decision" in out and f"#{a.id} Twin" in out
    call_command("catalog_duplicates", "--merge-ids", str(c.id), str(a.id))
    assert not Title.objects.filter(id=a.id).exists() and Title.objects.get(id=c.id).netflix_id == 7
    with pytest.raises(CommandError, match="no title"):
        call_command("catalog_duplicates", "--merge-ids", str(c.id), "999999")
    with pytest.raises(CommandError, match="two works"):
        call_command("catalog_duplicates", "--merge-ids", str(c.id), str(b.id))


def test_the_admin_merges_two_selected_titles(admin_client):
    a = Title.objects.create(primary_title="Twin", start_year=1999, netflix_id=7)
    c = Title.objects.create(primary_title="Twin", start_year=1999, movielens_id=6, imdb_id="tt6")
    r = admin_client.post("/admin/catalog/title/", {"action": "merge_titles", "_selected_action": [a.id, c.id]},
                          follow=True)
    assert r.status_code == 200 and b"Merged" in r.content
    assert list(Title.objects.values_list("id", "netflix_id", "movielens_id")) == [(c.id, 7, 6)]
