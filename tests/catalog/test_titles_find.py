"""Finding the film someone means (`catalog.selectors.titles_find`): names as people type them,
ids of every source, ambiguous names that ask, unknown ones that say so."""
import pytest

from catalog import selectors
from catalog.models import Title
from datasets.services.importers.movielens import movielens_import
from tests.datasets.conftest import write

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path):
    write(tmp_path / "movies.csv", (
        "movieId,title,genres\n"
        "6,Heat (1995),Action|Crime|Thriller\n"
        "4973,\"Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)\",Comedy|Romance\n"
        "2571,\"Matrix, The (1999)\",Action|Sci-Fi|Thriller\n"
        "8,Tom and Huck (1995),Adventure|Children\n"
        "9,Blade Runner 2049 (2017),Sci-Fi\n"
        "10,1917 (2019),War\n"
        "11,Hamlet (1990),Drama\n"
        "12,Hamlet (1996),Drama\n"
    ))
    write(tmp_path / "links.csv", "movieId,imdbId,tmdbId\n6,0113277,949\n4973,0211915,194\n2571,0133093,603\n")
    movielens_import(directory=tmp_path, ratings=False)
    t = {x.movielens_id: x for x in Title.objects.all()}
    Title.objects.filter(pk=t[6].pk).update(imdb_votes=700_000, netflix_id=3256)
    Title.objects.filter(pk=t[11].pk).update(imdb_votes=30_000)
    Title.objects.filter(pk=t[12].pk).update(imdb_votes=40_000)
    heat86 = Title.objects.create(primary_title="Heat", start_year=1986, imdb_votes=9_000)
    return {"heat": t[6], "amelie": t[4973], "matrix": t[2571], "tom": t[8], "br2049": t[9], "1917": t[10],
            "hamlet90": t[11], "hamlet96": t[12], "heat86": heat86}


@pytest.mark.parametrize("typed, which", [
    ("Heat 1995", "heat"), ("heat (1995)", "heat"), ("HEAT, 1995", "heat"), ("Heat 1986", "heat86"),
    ("Amelie", "amelie"), ("amélie", "amelie"), ("Le Fabuleux Destin d'Amélie Poulain", "amelie"),
    ("fabuleux destin d amelie poulain", "amelie"),
    ("The Matrix", "matrix"), ("matrix", "matrix"), ("Matrix, The", "matrix"), ("the matrix 1999", "matrix"),
    ("Blade Runner 2049", "br2049"), ("1917", "1917"),
    ("tt0113277", "heat"), ("https://www.imdb.com/title/tt0211915/", "amelie"), ("tmdb:603", "matrix"),
    ("https://www.themoviedb.org/movie/949-heat", "heat"), ("ml:4973", "amelie"), ("movielens 2571", "matrix"),
    ("netflix:3256", "heat"),
])
def test_names_and_ids_find_the_film(imported, typed, which):
    found = selectors.titles_find(text=typed)
    assert found.status == "found", (typed, found)
    assert found.title.pk == imported[which].pk


def test_netfloox_own_id(imported):
    assert selectors.titles_find(text=f"id:{imported['heat'].pk}").title == imported["heat"]
    assert selectors.titles_find(text=f"#{imported['amelie'].pk}").title == imported["amelie"]


def test_a_name_with_one_far_better_known_film_is_that_film(imported):
    # Heat (1995): 700,000 votes; Heat (1986): 9,000 — people typing "Heat" mean the first.
    found = selectors.titles_find(text="Heat")
    assert found.status == "found" and found.title == imported["heat"]
    assert imported["heat86"] in found.candidates  # the others are still listed


def test_an_ambiguous_name_asks_which_one(imported):
    found = selectors.titles_find(text="hamlet")
    assert found.status == "ambiguous" and found.title is None
    assert found.candidates == [imported["hamlet96"], imported["hamlet90"]]  # best known first
    msg = selectors.title_lookup_message(found)
    assert "“hamlet” matches several films" in msg and "Hamlet (1996)" in msg and "Hamlet (1990)" in msg
    assert selectors.titles_find(text="Hamlet (1990)").title == imported["hamlet90"]


def test_unknown_names_and_ids_say_so(imported):
    for typed in ("qqq no such film", "tt9999999", "tmdb:1", "netflix:17771", "", "   "):
        found = selectors.titles_find(text=typed)
        assert found.status == "unknown" and found.title is None and not found.candidates, typed
    assert selectors.title_lookup_message(selectors.titles_find(text="qqq")) == "“qqq”: no such film in the catalog."


def test_a_prefix_finds_one_film_or_asks(imported):
    assert selectors.titles_find(text="tom and h").title == imported["tom"]
    found = selectors.titles_find(text="Blade Run")
    assert found.status == "found" and found.title == imported["br2049"] and found.how == "prefix"
    assert selectors.titles_find(text="ham").status == "ambiguous"
