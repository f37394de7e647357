"""Several sources describing the same titles: the merged catalog does not depend on the import order.

Reported on the real datasets: with MovieLens and TMDB both imported, every re-run of either
updated the same 1,287 titles (TMDB replaced a title's genres, MovieLens added its own back).
Genres are now a union of the sources' genres (docs/import.md, "How sources are merged"); the
files below are in each dataset's exact format.
"""
import json

import pytest

from catalog.models import Company, Country, Genre, ImportRun, Keyword, Person, Title
from datasets.services.importers.imdb import imdb_import
from datasets.services.importers.lookups import canonical_genre
from datasets.services.importers.movielens import movielens_import
from datasets.services.importers.tmdb import tmdb_import
from tests.datasets.conftest import tsv, write
from tests.datasets.test_tmdb_import import j, movie, movies_csv

pytestmark = pytest.mark.django_db
N = "\\N"

# MovieLens ml-latest(-small): movies.csv, links.csv, tags.csv (the links tie each movie to IMDb and TMDB)
ML_MOVIES = (
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    '2,"Matrix, The (1999)",Action|Sci-Fi|Thriller\n'
    "3,Heat (1995),Action|Crime|Thriller\n"
    "4,Only In MovieLens (2001),(no genres listed)\n"
)
ML_LINKS = "movieId,imdbId,tmdbId\n1,0114709,862\n2,0133093,603\n3,0113277,949\n4,0200004,\n"
ML_TAGS = "userId,movieId,tag,timestamp\n7,1,Pixar,1445714994\n7,2,cyberpunk,1445714996\n"

# TMDB 5000: genres, keywords, companies and countries as JSON lists in CSV cells
TMDB_ROWS = [
    movie(862, "Toy Story", release="1995-10-30", genres=j((16, "Animation"), (35, "Comedy"), (10751, "Family")),
          keywords=j((9715, "toy"), (180, "pixar"))),
    movie(603, "The Matrix", release="1999-03-30", genres=j((28, "Action"), (878, "Science Fiction")),
          keywords=j((4565, "dystopia"))),
    movie(949, "Heat", release="1995-12-15", genres=j((28, "Action"), (80, "Crime"), (18, "Drama"), (53, "Thriller")),
          countries=json.dumps([{"iso_3166_1": "US", "name": "United States of America"}])),
    movie(77, "Only In TMDB", release="2004-01-01", genres="[]", keywords="[]"),
]

# IMDb title.basics + title.ratings (the ratings are IMDb's evidence in the precedence of shared fields)
IMDB_BASICS = [
    ("tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear", "runtimeMinutes",
     "genres"),
    ("tt0114709", "movie", "Toy Story", "Toy Story", "0", "1995", N, "81", "Adventure,Animation,Comedy"),
    ("tt0133093", "movie", "The Matrix", "The Matrix", "0", "1999", N, "136", "Action,Sci-Fi"),
    ("tt0113277", "movie", "Heat", "Heat", "0", "1995", N, N, "Action,Crime,Drama"),
    ("tt0300003", "movie", "Only In IMDb", "Only In IMDb", "0", "2003", N, "90", N),
]
IMDB_RATINGS = [
    ("tconst", "averageRating", "numVotes"),
    ("tt0114709", "8.3", "1100000"),
    ("tt0133093", "8.7", "2100000"),
    ("tt0113277", "8.3", "720000"),
    ("tt0300003", "5.0", "12"),
]

GENRES_OF = {  # what each file says, in IMDb's vocabulary
    "movielens": {"Toy Story": {"Adventure", "Animation", "Family", "Comedy", "Fantasy"},
                  "The Matrix": {"Action", "Sci-Fi", "Thriller"}, "Heat": {"Action", "Crime", "Thriller"}},
    "tmdb": {"Toy Story": {"Animation", "Comedy", "Family"}, "The Matrix": {"Action", "Sci-Fi"},
             "Heat": {"Action", "Crime", "Drama", "Thriller"}},
    "imdb": {"Toy Story": {"Adventure", "Animation", "Comedy"}, "The Matrix": {"Action", "Sci-Fi"},
             "Heat": {"Action", "Crime", "Drama"}},
}
UNION = {  # every source's genres
    "Toy Story": ["Adventure", "Animation", "Comedy", "Family", "Fantasy"],
    "The Matrix": ["Action", "Sci-Fi", "Thriller"],
    "Heat": ["Action", "Crime", "Drama", "Thriller"],
}


def files(tmp_path):
    write(tmp_path / "ml" / "movies.csv", ML_MOVIES)
    write(tmp_path / "ml" / "links.csv", ML_LINKS)
    write(tmp_path / "ml" / "tags.csv", ML_TAGS)
    movies_csv(tmp_path / "tmdb" / "tmdb_5000_movies.csv", TMDB_ROWS)
    write(tmp_path / "imdb" / "title.basics.tsv.gz", tsv(*IMDB_BASICS), gz=True)
    write(tmp_path / "imdb" / "title.ratings.tsv.gz", tsv(*IMDB_RATINGS), gz=True)
    return {
        "movielens": lambda: movielens_import(directory=tmp_path / "ml"),
        "tmdb": lambda: tmdb_import(movies_csv=tmp_path / "tmdb" / "tmdb_5000_movies.csv"),
        "imdb": lambda: imdb_import(directory=tmp_path / "imdb"),
    }


def snapshot():
    """The merged catalog, keyed by external ids: every stored field and every many-to-many."""
    skip = {"id", "created_at", "updated_at"}
    cols = [f.attname for f in Title._meta.concrete_fields if f.attname not in skip]
    out = {}
    for t in Title.objects.prefetch_related("genres", "keywords", "countries", "companies"):
        out[(t.imdb_id, t.tmdb_id, t.movielens_id)] = {
            **{c: getattr(t, c) for c in cols},
            "genres": sorted(g.name for g in t.genres.all()),
            "keywords": sorted(k.name for k in t.keywords.all()),
            "countries": sorted(c.code for c in t.countries.all()),
            "companies": sorted(c.name for c in t.companies.all()),
        }
    return out


def wipe():
    for model in (Title, Genre, Keyword, Company, Country, Person, ImportRun):
        model.objects.all().delete()


def genres_by_title():
    return {t.primary_title: sorted(t.genres.values_list("name", flat=True)) for t in Title.objects.all()}


@pytest.mark.parametrize("a, b", [("movielens", "tmdb"), ("tmdb", "movielens"), ("imdb", "movielens"),
                                  ("movielens", "imdb"), ("imdb", "tmdb"), ("tmdb", "imdb")])
def test_a_b_a_b_the_re_runs_update_nothing_and_the_result_is_that_of_b_then_a(tmp_path, a, b):
    run = files(tmp_path)
    run[a]()
    run[b]()
    again_a, again_b = run[a](), run[b]()
    assert (again_a.rows_inserted, again_a.rows_updated) == (0, 0)
    assert (again_b.rows_inserted, again_b.rows_updated) == (0, 0)
    got = snapshot()
    for name in UNION:
        assert genres_by_title()[name] == sorted(GENRES_OF[a][name] | GENRES_OF[b][name]), name

    wipe()
    run[b]()
    run[a]()
    # TMDB 5000 has no IMDb ids: the two meet by title + year, after either import
    # (catalog.services.resolution), so TMDB then IMDb gives one title per film too.
    assert snapshot() == got


@pytest.mark.parametrize("order", [("movielens", "tmdb", "imdb"), ("movielens", "imdb", "tmdb"),
                                   ("tmdb", "movielens", "imdb"), ("imdb", "movielens", "tmdb"),
                                   ("imdb", "tmdb", "movielens"), ("tmdb", "imdb", "movielens")])
def test_three_sources_in_any_order_give_one_catalog_and_re_runs_change_nothing(tmp_path, order):
    run = files(tmp_path)
    for source in order:
        run[source]()
    for source in order:
        again = run[source]()
        assert (source, again.rows_inserted, again.rows_updated) == (source, 0, 0)
    got = snapshot()
    assert len(got) == 6  # 3 films every source has + one of each source alone
    assert {k: v for k, v in genres_by_title().items() if k in UNION} == UNION
    assert Genre.objects.filter(name__in=["Science Fiction", "Children"]).count() == 0
    assert Genre.objects.filter(name="Sci-Fi").count() == 1
    matrix = Title.objects.get(imdb_id="tt0133093")
    # shared fields: IMDb > TMDB > MovieLens whatever the order; blanks filled from the others
    assert (matrix.primary_title, matrix.runtime_minutes, matrix.tmdb_id, matrix.movielens_id) == \
        ("The Matrix", 136, 603, 2)
    assert Title.objects.get(imdb_id="tt0113277").runtime_minutes == 162  # IMDb has none: TMDB's
    assert sorted(Title.objects.get(tmdb_id=862).keywords.values_list("name", flat=True)) == ["pixar", "toy"]

    wipe()
    reference = ("imdb", "tmdb", "movielens")
    for source in reference:
        run[source]()
    assert snapshot() == got


def test_a_genre_a_source_no_longer_gives_stays_and_another_sources_genres_are_never_removed(tmp_path):
    run = files(tmp_path)
    run["movielens"]()
    run["tmdb"]()
    # the next TMDB file drops "Family" from Toy Story and adds "Music"
    rows = list(TMDB_ROWS)
    rows[0] = movie(862, "Toy Story", release="1995-10-30", genres=j((16, "Animation"), (10402, "Music")),
                    keywords=j((9715, "toy"), (180, "pixar")))
    movies_csv(tmp_path / "tmdb" / "tmdb_5000_movies.csv", rows)
    changed = run["tmdb"]()
    assert (changed.rows_inserted, changed.rows_updated) == (0, 1)
    assert genres_by_title()["Toy Story"] == ["Adventure", "Animation", "Comedy", "Family", "Fantasy", "Music"]
    assert (run["movielens"]().rows_updated, run["tmdb"]().rows_updated) == (0, 0)


@pytest.mark.parametrize("raw, name", [
    ("Science Fiction", "Sci-Fi"), ("Sci-Fi", "Sci-Fi"), ("sci-fi", "Sci-Fi"), ("Children's", "Family"),
    ("Children", "Family"), ("Film Noir", "Film-Noir"), ("film-noir", "Film-Noir"), ("drama", "Drama"),
    ("  Reality  TV ", "Reality-TV"), ("tv movie", "TV Movie"), ("IMAX", "IMAX"), ("Foreign", "Foreign"),
    ("(no genres listed)", None), ("unknown", None), (N, None), ("", None),
])
def test_genre_names_map_to_one_vocabulary(raw, name):
    assert canonical_genre(raw) == name
