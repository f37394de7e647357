"""import_tmdb: the TMDB 5000 movies CSV (JSON in CSV cells) and a credits CSV in the same layout."""
import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Company, Country, Credit, Keyword, Person, Title
from datasets.services.importers.tmdb import tmdb_import
from tests.datasets.conftest import write

pytestmark = pytest.mark.django_db

HEADER = ["budget", "genres", "homepage", "id", "keywords", "original_language", "original_title", "overview",
          "popularity", "production_companies", "production_countries", "release_date", "revenue", "runtime",
          "spoken_languages", "status", "tagline", "title", "vote_average", "vote_count"]


def j(*pairs, key="name"):
    return json.dumps([{"id": i, key: n} for i, n in pairs])


def movie(tmdb_id, title, *, budget="1000000", genres=None, keywords=None, release="2009-12-10", revenue="0",
          runtime="162", overview="An overview.", companies=None, countries=None, votes="100", avg="7.2"):
    return {
        "budget": budget, "genres": genres if genres is not None else j((28, "Action"), (878, "Science Fiction")),
        "homepage": "", "id": str(tmdb_id), "keywords": keywords if keywords is not None else j((1463, "culture clash")),
        "original_language": "en", "original_title": title, "overview": overview, "popularity": "150.437577",
        "production_companies": companies if companies is not None else j((289, "Ingenious Film Partners")),
        "production_countries": countries if countries is not None else json.dumps(
            [{"iso_3166_1": "US", "name": "United States of America"}]),
        "release_date": release, "revenue": revenue, "runtime": runtime,
        "spoken_languages": json.dumps([{"iso_639_1": "en", "name": "English"}]), "status": "Released",
        "tagline": "Enter the World of Pandora.", "title": title, "vote_average": avg, "vote_count": votes,
    }


def movies_csv(path, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=HEADER, lineterminator="\n")
    w.writeheader()
    for r in rows:
        if isinstance(r, str):
            buf.write(r)
        else:
            w.writerow(r)
    return write(path, buf.getvalue())


ROWS = [
    movie(19995, "Avatar", budget="237000000", revenue="2787965087",
          overview="In the 22nd century,\ra paraplegic Marine is dispatched to the moon Pandora."),  # stray CR
    movie(206647, "Spectre", release="2015-10-26", budget="0", runtime="0"),
    movie(1, "Broken JSON", genres='[{"id": 28, "name": "Action"'),            # line 4
    movie(2, "Bad Date", release="12/10/2009"),                               # line 5
    movie(38757, "Tangled", release="2010-11-24"),
    movie(3, "No Release", release="", runtime=""),
]


def test_movies_are_imported_with_their_json_columns_and_unknowns_as_null(tmp_path):
    path = movies_csv(tmp_path / "tmdb_5000_movies.csv", ROWS)
    run = tmdb_import(movies_csv=path)
    assert sorted(Title.objects.values_list("tmdb_id", flat=True)) == [3, 19995, 38757, 206647]
    avatar = Title.objects.get(tmdb_id=19995)
    assert (avatar.primary_title, avatar.start_year, avatar.release_date, avatar.runtime_minutes) == \
        ("Avatar", 2009, dt.date(2009, 12, 10), 162)
    assert (avatar.budget, avatar.revenue, avatar.tmdb_vote_count, avatar.tmdb_vote_average) == \
        (237000000, 2787965087, 100, 7.2)
    assert avatar.overview.startswith("In the 22nd century,\ra paraplegic")
    assert sorted(avatar.genres.values_list("name", flat=True)) == ["Action", "Sci-Fi"]
    assert list(avatar.keywords.values_list("name", "tmdb_id")) == [("culture clash", 1463)]
    assert list(avatar.companies.values_list("name", "tmdb_id")) == [("Ingenious Film Partners", 289)]
    assert list(avatar.countries.values_list("code", "name")) == [("US", "United States of America")]
    spectre = Title.objects.get(tmdb_id=206647)
    assert (spectre.budget, spectre.revenue, spectre.runtime_minutes) == (None, None, None)
    assert Title.objects.get(tmdb_id=3).start_year is None
    errs = {e["line"]: e["reason"] for e in run.errors}
    assert errs == {4: "genres is not valid JSON", 5: "release_date is not YYYY-MM-DD: '12/10/2009'"}
    assert (Keyword.objects.count(), Company.objects.count(), Country.objects.count()) == (1, 1, 1)


def test_merge_by_tmdb_id_then_title_and_year_and_never_on_ambiguity(tmp_path):
    from_movielens = Title.objects.create(primary_title="Avatar", start_year=2009, movielens_id=72998,
                                          tmdb_id=19995, imdb_id="tt0499549")
    same_name = Title.objects.create(primary_title="Spectre", start_year=2015, netflix_id=7)
    Title.objects.create(primary_title="Spectre", start_year=1999)  # other year: not a candidate
    twins = [Title.objects.create(primary_title="Tangled", start_year=2010) for _ in range(2)]
    tmdb_import(movies_csv=movies_csv(tmp_path / "m.csv", ROWS))
    from_movielens.refresh_from_db()
    assert (from_movielens.budget, from_movielens.movielens_id, from_movielens.imdb_id) == \
        (237000000, 72998, "tt0499549")
    # Netflix's "Spectre" (2015) and TMDB's are one work: merged after the import (resolution),
    # into the richer title (TMDB's evidence), which now carries both ids.
    spectre = Title.objects.get(netflix_id=7)
    assert (spectre.tmdb_id, spectre.tmdb_vote_count) == (206647, 100)
    assert not Title.objects.filter(id=same_name.id).exists() or spectre.id == same_name.id
    tangled = Title.objects.get(tmdb_id=38757)
    assert tangled.pk not in {t.pk for t in twins}  # titles made by hand (no source id) are never merged
    assert Title.objects.count() == 7


def test_a_second_run_changes_nothing_and_a_changed_row_is_updated(tmp_path):
    path = movies_csv(tmp_path / "m.csv", ROWS)
    tmdb_import(movies_csv=path)
    again = tmdb_import(movies_csv=path)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged, again.rows_rejected) == (0, 0, 4, 2)
    rows = list(ROWS)
    rows[0] = movie(19995, "Avatar", budget="237000000", votes="11800",
                    keywords=j((1463, "culture clash"), (2964, "future")))
    third = tmdb_import(movies_csv=movies_csv(path, rows))
    avatar = Title.objects.get(tmdb_id=19995)
    assert avatar.tmdb_vote_count == 11800 and avatar.revenue is None
    assert sorted(avatar.keywords.values_list("name", flat=True)) == ["culture clash", "future"]
    assert (third.rows_inserted, third.rows_updated, third.rows_unchanged) == (0, 1, 3)


CREDITS_HEADER = ["movie_id", "title", "cast", "crew"]


def credits_csv(path, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CREDITS_HEADER)
    for r in rows:
        w.writerow(r)
    return write(path, buf.getvalue())


CAST = [{"cast_id": 242, "character": "Jake Sully", "credit_id": "5602a8a7c3a3685532001c9a", "gender": 2,
         "id": 65731, "name": "Sam Worthington", "order": 0},
        {"cast_id": 3, "character": "Neytiri", "credit_id": "52fe48009251416c750ac9cb", "gender": 1, "id": 8691,
         "name": "Zoe Saldana", "order": 1}]
CREW = [{"credit_id": "52fe48009251416c750aca23", "department": "Editing", "gender": 0, "id": 1721,
         "job": "Editor", "name": "Stephen E. Rivkin"},
        {"credit_id": "52fe48009251416c750ac9c3", "department": "Directing", "gender": 2, "id": 2710,
         "job": "Director", "name": "James Cameron"},
        {"credit_id": "52fe48009251416c750ac9d9", "department": "Writing", "gender": 2, "id": 2710,
         "job": "Writer", "name": "James Cameron"},
        {"credit_id": "52fe48009251416c750ac9d9", "department": "Writing", "gender": 2, "id": 2710,
         "job": "Screenplay", "name": "James Cameron"},
        {"credit_id": "5544ee3b925141499f0008fc", "department": "Production", "gender": 2, "id": 2710,
         "job": "Producer", "name": "James Cameron"},
        {"credit_id": "52fe48009251416c750aca17", "department": "Sound", "gender": 2, "id": 1729,
         "job": "Original Music Composer", "name": "James Horner"},
        {"credit_id": "52fe48009251416c750aca1d", "department": "Production", "gender": 1, "id": 770,
         "job": "Executive Producer", "name": "Laeta Kalogridis"}]


def test_credits_become_people_keyed_by_tmdb_id_and_typed_credits(tmp_path):
    movies = movies_csv(tmp_path / "m.csv", ROWS)
    credits = credits_csv(tmp_path / "c.csv", [
        ["19995", "Avatar", json.dumps(CAST), json.dumps(CREW)],
        ["424242", "Not In Catalog", "[]", "[]"],                       # line 3
        ["206647", "Spectre", '[{"name": "No Id"}]', "[]"],              # line 4
    ])
    run = tmdb_import(movies_csv=movies, credits_csv=credits)
    avatar = Title.objects.get(tmdb_id=19995)
    got = set(Credit.objects.filter(title=avatar).values_list("person__name", "category", "ordering", "job"))
    assert got == {("Sam Worthington", "actor", 0, ""), ("Zoe Saldana", "actress", 1, ""),
                   ("James Cameron", "director", 1, "Director"), ("James Cameron", "writer", 2, "Writer, Screenplay"),
                   ("James Cameron", "producer", 4, "Producer"), ("James Horner", "composer", 5, "Original Music Composer"),
                   ("Laeta Kalogridis", "producer", 6, "Executive Producer")}
    assert Credit.objects.get(title=avatar, person__name="Zoe Saldana").characters == ["Neytiri"]
    assert Person.objects.get(tmdb_id=2710).name == "James Cameron"
    assert Person.objects.count() == 5  # the editor is not kept
    errs = {e["line"]: e["reason"] for e in run.errors if e["file"].endswith("c.csv")}
    assert "movie_id 424242 is not in the catalog" in errs[3]
    assert "cast: a person has a bad id None" in errs[4]
    again = tmdb_import(movies_csv=movies, credits_csv=credits)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert Credit.objects.count() == 7 and Person.objects.count() == 5


def test_missing_or_headerless_files_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match=r"nope\.csv: file not found"):
        call_command("import_tmdb", str(tmp_path / "nope.csv"), verbosity=0)
    bad = write(tmp_path / "bad.csv", "a,b\n1,2\n")
    with pytest.raises(CommandError, match=r"bad\.csv:1: header is missing column\(s\) id, title"):
        call_command("import_tmdb", str(bad), verbosity=0)
    movies = movies_csv(tmp_path / "m.csv", ROWS)
    with pytest.raises(CommandError, match=r"credits\.csv: file not found"):
        call_command("import_tmdb", str(movies), "--credits", str(tmp_path / "credits.csv"), verbosity=0)
    assert Title.objects.count() == 0
