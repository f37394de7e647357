"""import_imdb on small files in IMDb's exact format (gzip and plain, `\\N` nulls, no quoting)."""
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Credit, ImportRun, Person, Title
from datasets.services.importers.imdb import imdb_import
from tests.datasets.conftest import errors_by_line, tsv, write

pytestmark = pytest.mark.django_db
N = "\\N"

BASICS = [
    ("tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear", "runtimeMinutes",
     "genres"),
    ("tt0000001", "movie", "Alpha", "Alpha Original", "0", "1999", N, "100", "Drama,Comedy"),
    ("tt0000002", "tvSeries", "Beta Show", "Beta Show", "0", "2005", "2010", "45", "Comedy"),
    ("tt0000003", "short", "Gamma", "Gamma", "0", "2001", N, "10", "Short"),
    ("tt0000004", "movie", "Delta", "Delta", "0", "19x9", N, "90", "Drama"),          # line 5: bad year
    ("tt0000005", "movie", "Epsilon", "Epsilon", "0", "2003", N, "90"),               # line 6: 8 columns
    ("tt0000006", "movie", "Zeta", "Zeta", "0", "2010", N, "120", "Sci-Fi,Action"),
    ("tt0000007", "movie", "Éta accentué", "Éta", "1", "2012", N, N, N),
    ("tt0000008", "tvSeries", "Theta", "Theta", "0", "2015", "2012", "30", "Drama"),  # line 9: end < start
]
RATINGS = [
    ("tconst", "averageRating", "numVotes"),
    ("tt0000001", "7.5", "1500"),
    ("tt0000002", "8.1", "20000"),
    ("tt0000006", "6.0", "50"),
    ("tt0000007", "x.y", "10"),       # line 5: bad rating
    ("tt9999999", "5.0", "10"),       # unknown title: skipped
]
NAMES = [
    ("nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"),
    ("nm0000001", "Ann Actor", "1970", N, "actress", "tt0000001"),
    ("nm0000002", "Bob Director", "1950", "2020", "director,writer", "tt0000001"),
    ("nm0000003", "Cid Writer", "19x0", N, "writer", N),   # line 4: bad birth year
    ("nm0000004", "Dee Extra", "1980", N, "actor", N),
]
PRINCIPALS = [
    ("tconst", "ordering", "nconst", "category", "job", "characters"),
    ("tt0000001", "1", "nm0000001", "actress", N, '["Alice"]'),
    ("tt0000001", "2", "nm0000002", "director", N, N),
    ("tt0000001", "3", "nm0000005", "actor", N, '["X"]'),               # person unknown: skipped
    ("tt0000002", "1", "nm0000001", "actress", N, '["Bea","Bea\'s twin"]'),
    ("tt0000006", "1", "nm0000004", "actor", N, '["broken'),            # line 6: bad JSON
    ("tt0000006", "2", "nm0000004", "casting_director", N, N),
]
CREW = [
    ("tconst", "directors", "writers"),
    ("tt0000001", "nm0000002", "nm0000002,nm0000003"),
    ("tt0000006", "nm0000002", N),
    ("tt0000003", "nm0000002", N),
]


def write_set(d, *, gz=True, basics=BASICS, ratings=RATINGS):
    ext = ".tsv.gz" if gz else ".tsv"
    write(d / f"title.basics{ext}", tsv(*basics), gz=gz)
    write(d / f"title.ratings{ext}", tsv(*ratings), gz=gz)
    write(d / f"name.basics{ext}", tsv(*NAMES), gz=gz)
    write(d / f"title.principals{ext}", tsv(*PRINCIPALS), gz=gz)
    write(d / f"title.crew{ext}", tsv(*CREW), gz=gz)
    return d


def test_gzip_files_import_titles_people_credits_ratings_and_report_bad_lines(tmp_path):
    d = write_set(tmp_path)
    run = imdb_import(directory=d)
    assert run.status == ImportRun.Status.SUCCEEDED
    assert sorted(Title.objects.values_list("imdb_id", flat=True)) == \
        ["tt0000001", "tt0000002", "tt0000003", "tt0000006", "tt0000007"]
    alpha = Title.objects.get(imdb_id="tt0000001")
    assert (alpha.primary_title, alpha.original_title, alpha.start_year, alpha.runtime_minutes) == \
        ("Alpha", "Alpha Original", 1999, 100)
    assert sorted(alpha.genres.values_list("name", flat=True)) == ["Comedy", "Drama"]
    assert (alpha.imdb_rating, alpha.imdb_votes) == (Decimal("7.5"), 1500)
    eta = Title.objects.get(imdb_id="tt0000007")
    assert eta.is_adult and eta.runtime_minutes is None and eta.search_title == "eta accentue"
    assert eta.imdb_rating is None  # its ratings line was malformed
    beta = Title.objects.get(imdb_id="tt0000002")
    assert (beta.title_type, beta.start_year, beta.end_year) == ("tvSeries", 2005, 2010)

    assert sorted(Person.objects.values_list("imdb_id", flat=True)) == ["nm0000001", "nm0000002", "nm0000004"]
    bob = Person.objects.get(imdb_id="nm0000002")
    assert (bob.birth_year, bob.death_year, bob.search_name) == (1950, 2020, "bob director")

    credits = set(Credit.objects.values_list("title__imdb_id", "person__imdb_id", "category", "job"))
    assert credits == {
        ("tt0000001", "nm0000001", "actress", ""), ("tt0000001", "nm0000002", "director", ""),
        ("tt0000002", "nm0000001", "actress", ""), ("tt0000006", "nm0000004", "other", "casting director"),
        ("tt0000001", "nm0000002", "writer", ""), ("tt0000006", "nm0000002", "director", ""),
        ("tt0000003", "nm0000002", "director", ""),
    }
    assert Credit.objects.get(title=beta).characters == ["Bea", "Bea's twin"]

    by_file = {}
    for e in run.errors:
        by_file.setdefault(e["file"].rsplit("/", 1)[-1], {})[e["line"]] = e["reason"]
    assert set(by_file["title.basics.tsv.gz"]) == {5, 6, 9}
    assert "startYear is not an integer" in by_file["title.basics.tsv.gz"][5]
    assert "expected 9 tab-separated columns, found 8" in by_file["title.basics.tsv.gz"][6]
    assert "endYear 2012 is before startYear 2015" in by_file["title.basics.tsv.gz"][9]
    assert "birthYear is not an integer" in by_file["name.basics.tsv.gz"][4]
    assert "characters is not a JSON list" in by_file["title.principals.tsv.gz"][6]
    assert "averageRating is not a number" in by_file["title.ratings.tsv.gz"][5]
    assert run.rows_rejected == 6
    assert run.rows_read == 8 + 5 + 4 + 6 + 3
    assert run.rows_read == (run.rows_inserted + run.rows_updated + run.rows_unchanged + run.rows_rejected
                             + run.rows_skipped)


def test_a_second_run_changes_nothing_and_a_changed_row_is_updated(tmp_path):
    d = write_set(tmp_path)
    first = imdb_import(directory=d)
    snapshot = list(Title.objects.order_by("id").values())
    again = imdb_import(directory=d)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert again.rows_unchanged == first.rows_inserted + first.rows_updated + first.rows_unchanged
    assert list(Title.objects.order_by("id").values("id", "primary_title", "imdb_votes")) == \
        [{k: r[k] for k in ("id", "primary_title", "imdb_votes")} for r in snapshot]
    assert Credit.objects.count() == 7 and Person.objects.count() == 3

    basics = list(BASICS)
    basics[1] = ("tt0000001", "movie", "Alpha Redux", "Alpha Original", "0", "1999", N, "101", "Drama")
    ratings = list(RATINGS)
    ratings[1] = ("tt0000001", "7.6", "1501")
    write_set(d, basics=basics, ratings=ratings)
    third = imdb_import(directory=d)
    alpha = Title.objects.get(imdb_id="tt0000001")
    assert (alpha.primary_title, alpha.search_title, alpha.runtime_minutes) == ("Alpha Redux", "alpha redux", 101)
    assert (alpha.imdb_rating, alpha.imdb_votes) == (Decimal("7.6"), 1501)
    # genres are a union of the sources' (docs/import.md): a genre the file no longer gives stays
    assert sorted(alpha.genres.values_list("name", flat=True)) == ["Comedy", "Drama"]
    assert third.rows_inserted == 0
    assert third.rows_updated == 2  # the title row and its ratings row
    assert Title.objects.count() == 5


def test_filters_keep_types_votes_and_years_and_only_the_people_they_need(tmp_path):
    d = write_set(tmp_path, gz=False)
    run = imdb_import(directory=d, title_types="movie,tvSeries", min_votes=100, since_year=1995)
    assert sorted(Title.objects.values_list("imdb_id", flat=True)) == ["tt0000001", "tt0000002"]
    assert sorted(Person.objects.values_list("imdb_id", flat=True)) == ["nm0000001", "nm0000002"]
    assert set(Credit.objects.values_list("title__imdb_id", "person__imdb_id", "category")) == {
        ("tt0000001", "nm0000001", "actress"), ("tt0000001", "nm0000002", "director"),
        ("tt0000001", "nm0000002", "writer"), ("tt0000002", "nm0000001", "actress")}
    assert run.options == {"title_types": ["movie", "tvSeries"], "min_votes": 100, "since_year": 1995}
    assert "title.basics: 8 read, 2 inserted, 3 rejected, 3 skipped" in run.message


def test_bad_rows_never_touch_stored_titles(tmp_path):
    d = write_set(tmp_path)
    imdb_import(directory=d)
    basics = list(BASICS)
    basics[1] = ("tt0000001", "movie", "Alpha", "Alpha Original", "0", "not-a-year", N, "100", "Drama")
    write(d / "title.basics.tsv.gz", tsv(*basics), gz=True)
    run = imdb_import(directory=d)
    alpha = Title.objects.get(imdb_id="tt0000001")
    assert alpha.start_year == 1999 and sorted(alpha.genres.values_list("name", flat=True)) == ["Comedy", "Drama"]
    assert errors_by_line(run)[2].startswith("startYear is not an integer")


def test_missing_directory_or_file_is_a_command_error_naming_it(tmp_path):
    with pytest.raises(CommandError, match="nowhere: directory not found"):
        call_command("import_imdb", str(tmp_path / "nowhere"), verbosity=0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="no IMDb file found"):
        call_command("import_imdb", str(tmp_path / "empty"), verbosity=0)
    d = write_set(tmp_path / "set")
    (d / "title.ratings.tsv.gz").unlink()
    with pytest.raises(CommandError, match="--min-votes needs title.ratings"):
        call_command("import_imdb", str(d), "--min-votes", "10", verbosity=0)
    with pytest.raises(CommandError, match="Unknown title type"):
        call_command("import_imdb", str(d), "--title-types", "movie,film", verbosity=0)
    assert Title.objects.count() == 0


def test_a_truncated_gzip_fails_the_run_naming_the_file(tmp_path):
    d = write_set(tmp_path)
    data = (d / "title.basics.tsv.gz").read_bytes()
    (d / "title.basics.tsv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match=r"title\.basics\.tsv\.gz.*unreadable"):
        call_command("import_imdb", str(d), verbosity=0)
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_a_header_without_the_expected_columns_is_refused(tmp_path):
    write(tmp_path / "title.basics.tsv", tsv(("id", "name"), ("tt1", "x")))
    with pytest.raises(CommandError, match=r"title\.basics\.tsv:1: header is missing column"):
        call_command("import_imdb", str(tmp_path), verbosity=0)


def test_the_command_prints_a_summary_and_the_rejected_lines(tmp_path, capsys):
    d = write_set(tmp_path)
    call_command("import_imdb", str(d), verbosity=1)
    out, err = capsys.readouterr()
    assert "imdb import #" in out and "succeeded" in out and "6 rejected" in out
    assert "title.basics.tsv.gz:5: startYear is not an integer" in err


def test_progress_shows_rows_and_rate_and_verbosity_0_is_silent(tmp_path, capsys):
    d = write_set(tmp_path)
    call_command("import_imdb", str(d), verbosity=1)
    err = capsys.readouterr().err
    assert "title.basics: 8 rows" in err and "rows/s  done" in err
    call_command("import_imdb", str(d), verbosity=0)
    out, err = capsys.readouterr()
    assert out == "" and err == ""
