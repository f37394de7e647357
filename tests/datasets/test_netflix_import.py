"""import_netflix_prize: movie_titles.csv (latin-1, no header, commas in titles) and both rating layouts."""
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Profile
from catalog.models import ImportRun, Title
from datasets.services.importers.netflix import netflix_import
from interactions.models import Event, ImportedRating, Interaction
from tests.datasets.conftest import write

pytestmark = pytest.mark.django_db

TITLES = (
    "1,2003,Dinosaur Planet\r\n"
    "2,2004,Isle of Man TT 2004 Review\r\n"
    "3,1997,Character\r\n"
    "4,NULL,Paula Abdul's Get Up & Dance\r\n"
    "5,2004,The Rise and Fall of ECW, Part 2, Director's Cut\r\n"
    "6,19X4,Bad Year\r\n"          # line 6: bad year
    "7\r\n"                        # line 7: one field
    "8,1999,Smokey Joe's Café\r\n"
)
COMBINED = (
    "1:\n"
    "1488844,3,2005-09-06\n"
    "822109,5,2005-05-13\n"
    "885013,4,2005-10-19\n"
    "2:\n"
    "2059652,4,2005-09-05\n"
    "1488844,6,2005-09-05\n"       # line 7: rating 6
    "abc,4,2005-09-05\n"           # line 8: customer id
    "1209119,4,2005-13-45\n"       # line 9: impossible date
    "99:\n"                        # line 10: movie not in the catalog
    "30878,4,2005-12-26\n"
    "3:\n"
    "30878,4,2005-12-26,extra\n"   # line 13: four fields
    "30878,4,2005-12-26\n"
)
MV4 = "4:\n1488844,2,2005-01-01\n822109,1,2004-12-31\n"


def files(tmp_path, *, gz=True):
    titles = write(tmp_path / "movie_titles.csv", TITLES, encoding="latin-1")
    combined = write(tmp_path / ("combined_data_1.txt.gz" if gz else "combined_data_1.txt"), COMBINED, gz=gz)
    mv = write(tmp_path / "training_set" / "mv_0000004.txt", MV4)
    return titles, combined, mv


def test_titles_and_ratings_in_both_layouts(tmp_path):
    titles, combined, mv = files(tmp_path)
    run = netflix_import(titles_path=titles, ratings_paths=[combined, mv])
    assert run.status == ImportRun.Status.SUCCEEDED
    run.refresh_from_db()
    timings = run.options["timings"]  # the steps' wall times, read by benchmarks.netflix_scale
    steps = {"titles", "ratings", "title statistics"}
    parts = {"ratings: COPY after the last chunk", "ratings: key build", "ratings: ANALYZE"}  # parts of "ratings"
    assert steps <= set(timings) <= steps | parts and all(v >= 0 for v in timings.values())
    assert sum(timings.get(p, 0) for p in parts) <= timings["ratings"]
    assert sum(timings.values()) <= run.duration_s + 0.01
    assert dict(Title.objects.values_list("netflix_id", "primary_title")) == {
        1: "Dinosaur Planet", 2: "Isle of Man TT 2004 Review", 3: "Character", 4: "Paula Abdul's Get Up & Dance",
        5: "The Rise and Fall of ECW, Part 2, Director's Cut", 8: "Smokey Joe's Café"}
    assert Title.objects.get(netflix_id=4).start_year is None
    assert Title.objects.get(netflix_id=8).search_title == "smokey joe's cafe"

    # Historical ratings go to their own table, with their own date; the live event log and the
    # live aggregates are untouched (imported history is not today's activity).
    assert ImportedRating.objects.count() == 7
    assert Event.objects.count() == 0 and Interaction.objects.count() == 0
    customers = set(Profile.objects.values_list("netflix_customer_id", flat=True))
    assert customers == {1488844, 822109, 885013, 2059652, 30878}
    p = Profile.objects.get(netflix_customer_id=1488844)
    assert not p.user.has_usable_password()
    r = ImportedRating.objects.get(user=p.user, title__netflix_id=1)
    assert (r.rating, r.rated_at, r.source) == (3.0, dt.datetime(2005, 9, 6, tzinfo=dt.UTC), 1)
    r4 = ImportedRating.objects.get(user=p.user, title__netflix_id=4)
    assert (r4.rating, r4.rated_at) == (2.0, dt.datetime(2005, 1, 1, tzinfo=dt.UTC))

    errs = {(e["file"].rsplit("/", 1)[-1], e["line"]): e["reason"] for e in run.errors}
    assert "YearOfRelease is not an integer" in errs[("movie_titles.csv", 6)]
    assert "found 1 field(s)" in errs[("movie_titles.csv", 7)]
    assert "Rating must be an integer 1 to 5" in errs[("combined_data_1.txt.gz", 7)]
    assert "CustomerID is not a positive integer" in errs[("combined_data_1.txt.gz", 8)]
    assert "Date is not YYYY-MM-DD" in errs[("combined_data_1.txt.gz", 9)]
    assert "MovieID 99 is not in the catalog" in errs[("combined_data_1.txt.gz", 10)]
    assert "found 4 field(s)" in errs[("combined_data_1.txt.gz", 13)]
    assert run.rows_rejected == 2 + 5
    assert run.rows_read == 8 + 10 + 2  # title lines + rating lines (movie headers are not rows)
    assert run.rows_inserted == 6 + 7


def test_a_second_run_stores_nothing_twice(tmp_path):
    titles, combined, mv = files(tmp_path, gz=False)
    netflix_import(titles_path=titles, ratings_paths=[combined, mv])
    before = (list(ImportedRating.objects.order_by("user_id", "title_id").values()), Profile.objects.count())
    again = netflix_import(titles_path=titles, ratings_paths=[combined, mv])
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert again.rows_unchanged == 6 + 7
    assert (list(ImportedRating.objects.order_by("user_id", "title_id").values()), Profile.objects.count()) == before


def test_changed_title_and_a_newer_rating_are_applied(tmp_path):
    titles, combined, mv = files(tmp_path)
    netflix_import(titles_path=titles, ratings_paths=[combined, mv])
    write(titles, TITLES.replace("1,2003,Dinosaur Planet", "1,2003,Dinosaur Planet Remastered"), encoding="latin-1")
    newer = write(tmp_path / "mv_0000001.txt", "1:\n1488844,5,2006-01-02\n")
    run = netflix_import(titles_path=titles, ratings_paths=[newer])
    assert Title.objects.get(netflix_id=1).primary_title == "Dinosaur Planet Remastered"
    assert (run.rows_updated, run.rows_inserted) == (1 + 1, 0)  # the title, and the newer rating
    r = ImportedRating.objects.get(user__profile__netflix_customer_id=1488844, title__netflix_id=1)
    assert (r.rating, r.rated_at) == (5.0, dt.datetime(2006, 1, 2, tzinfo=dt.UTC))
    # an older rating imported later does not replace the latest one
    older = write(tmp_path / "old.txt", "1:\n1488844,1,2004-01-01\n")
    run = netflix_import(ratings_paths=[older])
    r = ImportedRating.objects.get(user__profile__netflix_customer_id=1488844, title__netflix_id=1)
    assert (r.rating, r.rated_at.year) == (5.0, 2006) and (run.rows_unchanged, run.rows_updated) == (1, 0)


def test_ratings_before_titles_are_reported_not_guessed(tmp_path):
    _, combined, _ = files(tmp_path)
    run = netflix_import(ratings_paths=[combined])
    assert ImportedRating.objects.count() == 0 and Title.objects.count() == 0
    assert run.rows_rejected == 10
    assert any("MovieID 1 is not in the catalog (import movie_titles.csv first)" in e["reason"] for e in run.errors)


def test_missing_file_is_a_command_error_and_nothing_is_imported(tmp_path):
    titles, combined, _ = files(tmp_path)
    with pytest.raises(CommandError, match=r"combined_data_9\.txt: file not found"):
        call_command("import_netflix_prize", "--titles", str(titles), str(combined),
                     str(tmp_path / "combined_data_9.txt"), verbosity=0)
    assert Title.objects.count() == 0
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED and "combined_data_9.txt: file not found" in run.message
    with pytest.raises(CommandError, match="Nothing to import"):
        call_command("import_netflix_prize", verbosity=0)


def test_the_vectorised_parser_accepts_exactly_the_rating_grammar():
    """`fast_rating_lines` accepts `<digits>,<1-5>,<real date>` only; everything else is left to
    the line-by-line checks (which name the reason)."""
    import numpy as np

    from datasets.services.importers.rating_blocks import fast_rating_lines, split_lines

    text = (b"1488844,3,2005-09-06\n12a4,3,2005-01-01\n,3,2005-01-01\n7,5,2004-02-29\r\n7,5,2005-02-29\n"
            b"0,5,2004-02-02\n1234567890123456789,3,2005-01-01\n42,6,2005-01-01\n42,4,2005-13-01\n"
            b"123456789012345678,1,1999-11-11\n")
    a = np.frombuffer(text, dtype=np.uint8)
    ok, cust, stars, _ = fast_rating_lines(a, split_lines(a, 1))
    assert ok.tolist() == [True, False, False, True, False, False, False, False, False, True]
    assert cust[ok].tolist() == [1488844, 7, 123456789012345678] and stars[ok].tolist() == [3, 5, 1]
