"""import_movielens: the CSV layout (movies/links/tags/ratings), ml-100k (u.item/u.data) and ml-1m (.dat)."""
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Profile
from catalog.models import Keyword, Title
from datasets.services.importers.movielens import movielens_import, split_title
from interactions.models import Event, ImportedRating, Interaction
from tests.datasets.conftest import write

pytestmark = pytest.mark.django_db

MOVIES = (
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    '2,"American President, The (1995)",Comedy|Drama|Romance\n'
    '3,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Drama|Fantasy|Mystery|Sci-Fi\n'
    "4,No Year Movie,(no genres listed)\n"
    "x5,Bad Id (2000),Drama\n"                      # line 6
    "6,Too,Many,Columns (2001),Drama\n"             # line 7
)
LINKS = "movieId,imdbId,tmdbId\n1,0114709,862\n2,0112346,9087\n3,0112682,\n4,0000004,4\n"
RATINGS = (
    "userId,movieId,rating,timestamp\n"
    "1,1,4.0,964982703\n"
    "1,2,3.5,964981247\n"
    "2,1,5.0,964982224\n"
    "2,3,0.5,964983815\n"
    "3,999,4.0,964982931\n"   # line 6: unknown movie
    "3,1,7.0,964982931\n"     # line 7: rating out of range
    "3,2,4.0\n"               # line 8: three fields
    "3,2,2.5,964982931\n"
)
TAGS = (
    "userId,movieId,tag,timestamp\n"
    "2,1,pixar,1445714994\n"
    "2,1,Pixar,1445714996\n"
    "3,2,politics,1445715000\n"
    "4,999,x,1445715000\n"    # line 5: unknown movie
)


def csv_set(d):
    write(d / "movies.csv", MOVIES)
    write(d / "links.csv", LINKS)
    write(d / "ratings.csv", RATINGS)
    write(d / "tags.csv", TAGS)
    return d


@pytest.mark.parametrize("raw, expected", [
    ("Toy Story (1995)", ("Toy Story", "", 1995)),
    ("American President, The (1995)", ("The American President", "", 1995)),
    ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
     ("The City of Lost Children", "La Cité des enfants perdus", 1995)),
    ("Seven (a.k.a. Se7en) (1995)", ("Seven", "", 1995)),
    ("(500) Days of Summer (2009)", ("(500) Days of Summer", "", 2009)),
    ("Death Note: Desu nôto (2006–2007)", ("Death Note: Desu nôto", "", 2006)),
    ("Babylon 5", ("Babylon 5", "", None)),
    ("Auberge espagnole, L' (2002)", ("L'Auberge espagnole", "", 2002)),
])
def test_titles_are_split_into_name_original_and_year(raw, expected):
    assert split_title(raw) == expected


def test_csv_layout_titles_links_tags_and_ratings(tmp_path):
    run = movielens_import(directory=csv_set(tmp_path))
    assert dict(Title.objects.values_list("movielens_id", "primary_title")) == {
        1: "Toy Story", 2: "The American President", 3: "The City of Lost Children", 4: "No Year Movie"}
    toy = Title.objects.get(movielens_id=1)
    assert (toy.start_year, toy.imdb_id, toy.tmdb_id) == (1995, "tt0114709", 862)
    assert sorted(toy.genres.values_list("name", flat=True)) == ["Adventure", "Animation", "Comedy", "Family",
                                                                  "Fantasy"]
    assert Title.objects.get(movielens_id=3).tmdb_id is None
    assert Title.objects.get(movielens_id=3).original_title == "La Cité des enfants perdus"
    assert not Title.objects.get(movielens_id=4).genres.exists()
    assert sorted(toy.keywords.values_list("name", flat=True)) == ["pixar"]
    assert Keyword.objects.count() == 2

    assert ImportedRating.objects.count() == 5 and Event.objects.count() == 0
    assert set(Profile.objects.values_list("movielens_user_id", flat=True)) == {1, 2, 3}
    r = ImportedRating.objects.get(user__profile__movielens_user_id=1, title=toy)
    assert (r.rating, r.rated_at, r.source) == (4.0, dt.datetime.fromtimestamp(964982703, dt.UTC), 2)
    r3 = ImportedRating.objects.get(user__profile__movielens_user_id=3)
    assert (r3.title.movielens_id, r3.rating) == (2, 2.5)
    assert Interaction.objects.count() == 0

    errs = {(e["file"].rsplit("/", 1)[-1], e["line"]): e["reason"] for e in run.errors}
    assert "movieId is not an integer" in errs[("movies.csv", 6)]
    assert "expected 3 columns" in errs[("movies.csv", 7)]
    assert "movieId 999 is not in the catalog" in errs[("ratings.csv", 6)]
    assert "rating 7.0 is not 0.5–5" in errs[("ratings.csv", 7)]
    assert "expected 4 fields" in errs[("ratings.csv", 8)]
    assert "movieId 999 is not in the catalog" in errs[("tags.csv", 5)]
    assert run.rows_rejected == 6


def test_a_second_run_adds_nothing_and_a_changed_movie_is_updated(tmp_path):
    d = csv_set(tmp_path)
    movielens_import(directory=d)
    counts = (Title.objects.count(), ImportedRating.objects.count(), Keyword.objects.count())
    again = movielens_import(directory=d)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert (Title.objects.count(), ImportedRating.objects.count(), Keyword.objects.count()) == counts

    write(d / "movies.csv", MOVIES.replace("1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy",
                                           "1,Toy Story (1996),Animation|Comedy|Musical"))
    run = movielens_import(directory=d)
    toy = Title.objects.get(movielens_id=1)
    assert toy.start_year == 1996
    # genres are a union of the sources' (docs/import.md): new ones are added, none is removed
    assert sorted(toy.genres.values_list("name", flat=True)) == ["Adventure", "Animation", "Comedy", "Family",
                                                                  "Fantasy", "Musical"]
    assert (run.rows_inserted, run.rows_updated) == (0, 1)


def test_titles_are_matched_through_the_ids_of_links_and_ids_are_never_moved(tmp_path):
    by_imdb = Title.objects.create(primary_title="Toy Story", start_year=1995, imdb_id="tt0114709")
    by_tmdb = Title.objects.create(primary_title="Untitled", tmdb_id=9087)
    other = Title.objects.create(primary_title="Another film", imdb_id="tt0112682", movielens_id=300)
    movielens_import(directory=csv_set(tmp_path), ratings=False)
    by_imdb.refresh_from_db()
    assert (by_imdb.movielens_id, by_imdb.tmdb_id) == (1, 862)
    by_tmdb.refresh_from_db()
    assert (by_tmdb.movielens_id, by_tmdb.primary_title, by_tmdb.imdb_id) == (2, "The American President", "tt0112346")
    # the IMDb id of movie 3 belongs to a title of another MovieLens movie: not moved, not merged
    created = Title.objects.get(movielens_id=3)
    assert created.pk != other.pk and created.imdb_id is None
    other.refresh_from_db()
    assert (other.imdb_id, other.movielens_id) == ("tt0112682", 300)
    assert Title.objects.count() == 5


def test_ml_100k_layout(tmp_path):
    flags = lambda *on: "|".join("1" if i in on else "0" for i in range(19))  # noqa: E731
    item = (f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|{flags(3, 4, 5)}\n"
            f"2|GoldenEye (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?GoldenEye%20(1995)|{flags(1, 2, 16)}\n"
            f"3|Café Society (1995)|01-Jan-1995||http://us.imdb.com/x|{flags(8)}\n"
            "4|Bad|only|few\n")
    write(tmp_path / "u.item", item, encoding="latin-1")
    write(tmp_path / "u.data", "196\t1\t3\t881250949\n186\t2\t3\t891717742\n22\t3\t1\t878887116\n"
                               "244\t5\t2\t880606923\n")
    run = movielens_import(directory=tmp_path)
    assert sorted(Title.objects.get(movielens_id=1).genres.values_list("name", flat=True)) == \
        ["Animation", "Comedy", "Family"]
    assert sorted(Title.objects.get(movielens_id=2).genres.values_list("name", flat=True)) == \
        ["Action", "Adventure", "Thriller"]
    assert Title.objects.get(movielens_id=3).primary_title == "Café Society"
    assert ImportedRating.objects.count() == 3
    assert {(e["line"], e["reason"][:21]) for e in run.errors} == {(4, "expected 24 |-separat"),
                                                                   (4, "movieId 5 is not in t")}


def test_ml_1m_dat_layout(tmp_path):
    write(tmp_path / "movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n"
                                   "2::Jumanji (1995)::Adventure|Children's|Fantasy\n", encoding="latin-1")
    write(tmp_path / "ratings.dat", "1::1::5::978300760\n1::2::3::978302109\n2::2::4::978301968\n")
    movielens_import(directory=tmp_path)
    assert Title.objects.count() == 2 and ImportedRating.objects.count() == 3
    assert ImportedRating.objects.get(user__profile__movielens_user_id=2).rating == 4.0


def test_missing_directory_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no MovieLens movies file found"):
        call_command("import_movielens", str(tmp_path), verbosity=0)
    write(tmp_path / "movies.csv", "id,name\n1,x\n")
    with pytest.raises(CommandError, match=r"movies\.csv:1: header must be movieId,title,genres"):
        call_command("import_movielens", str(tmp_path), verbosity=0)
