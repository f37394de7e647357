"""The importers on the real public datasets (../shared/datasets): counts match the sources, re-runs add nothing."""
import pytest

from accounts.models import Profile
from catalog.models import Credit, Genre, Person, Title
from datasets.services.importers.imdb import imdb_import
from datasets.services.importers.movielens import movielens_import
from datasets.services.importers.netflix import netflix_import
from datasets.services.importers.tmdb import tmdb_import
from interactions.models import Event, ImportedRating, Interaction, TitleStats

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]


def test_imdb_movies_2000_sample(datasets_dir):
    d = datasets_dir / "imdb" / "movies-2000-sample"
    run = imdb_import(directory=d)
    assert run.rows_rejected == 0, run.errors[:3]
    assert Title.objects.count() == 2000 and Person.objects.count() == 10_177
    assert set(Title.objects.values_list("title_type", flat=True)) == {"movie"}
    # 11,576 principals rows: 6 name an nconst absent from name.basics, 1 repeats a (title, person, role)
    assert Credit.objects.count() == 11_569
    assert Title.objects.filter(credits__isnull=False).distinct().count() == 1959
    again = imdb_import(directory=d)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert Credit.objects.count() == 11_569


@pytest.mark.slow
def test_imdb_first_50k_rows_movies_only(datasets_dir):
    d = datasets_dir / "imdb" / "first-50k-rows"
    run = imdb_import(directory=d, title_types="movie")
    assert run.rows_rejected == 0, run.errors[:3]
    assert Title.objects.count() == 36_650
    assert Title.objects.filter(imdb_votes__isnull=False).count() > 20_000
    assert Title.objects.get(imdb_id="tt0000009").primary_title == "Miss Jerry"
    people = Person.objects.count()
    assert 0 < people < 50_001  # only the people credited on the movies kept
    assert not Person.objects.exclude(credits__isnull=False).exists()
    again = imdb_import(directory=d, title_types="movie")
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert (Title.objects.count(), Person.objects.count()) == (36_650, people)


def test_movielens_small(datasets_dir):
    d = datasets_dir / "movielens-small"
    run = movielens_import(directory=d)
    assert run.rows_rejected == 0, run.errors[:3]
    assert Title.objects.count() == 9742
    assert ImportedRating.objects.count() == 100_836
    assert Event.objects.count() == 0 and Interaction.objects.count() == 0  # history, not live activity
    assert Profile.objects.filter(movielens_user_id__isnull=False).count() == 610
    assert TitleStats.objects.filter(viewers__gt=0).count() == 9_724  # the rated movies
    assert ImportedRating.objects.order_by("rated_at").first().rated_at.year == 1996  # their own dates
    assert Title.objects.filter(tmdb_id__isnull=True).count() == 8 + 1  # 8 empty tmdbIds + one duplicated id
    assert Title.objects.filter(imdb_id__isnull=False).count() == 9742
    again = movielens_import(directory=d)
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert ImportedRating.objects.count() == 100_836 and Interaction.objects.count() == 0


def test_netflix_prize_titles_and_ratings_sample(datasets_dir):
    d = datasets_dir / "netflix-prize"
    run = netflix_import(titles_path=d / "movie_titles.csv", ratings_paths=[d / "combined_data_sample.txt.gz"])
    assert run.rows_rejected == 0, run.errors[:3]
    assert Title.objects.count() == 17_770
    assert Title.objects.get(netflix_id=6483).primary_title == "Smokey Joe's Café"
    assert Title.objects.filter(start_year__isnull=True).count() == 7
    assert ImportedRating.objects.count() == 42_813 and Event.objects.count() == 0
    assert ImportedRating.objects.values("title_id").distinct().count() == 20
    assert ImportedRating.objects.filter(title__netflix_id=8).count() == 14_910
    assert TitleStats.objects.get(title__netflix_id=8).viewers == 14_910
    again = netflix_import(titles_path=d / "movie_titles.csv", ratings_paths=[d / "combined_data_sample.txt.gz"])
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 17_770 + 42_813)
    assert ImportedRating.objects.count() == 42_813


def test_tmdb_5000_merged_onto_movielens_titles(datasets_dir):
    movielens_import(directory=datasets_dir / "movielens-small", ratings=False)
    run = tmdb_import(movies_csv=datasets_dir / "tmdb-5000" / "tmdb_5000_movies.csv")
    assert run.rows_rejected == 0, run.errors[:3]
    assert Title.objects.filter(tmdb_vote_count__isnull=False).count() == 4803
    merged = Title.objects.filter(tmdb_vote_count__isnull=False, movielens_id__isnull=False).count()
    assert merged == 3536  # every MovieLens-small movie with a row in TMDB 5000
    assert Title.objects.count() == 9742 + 4803 - merged
    avatar = Title.objects.get(tmdb_id=19995)
    assert avatar.movielens_id is not None and avatar.budget == 237_000_000
    again = tmdb_import(movies_csv=datasets_dir / "tmdb-5000" / "tmdb_5000_movies.csv")
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 4803)
    # MovieLens again, then TMDB again: genres are a union, nobody removes the other's (was: the
    # same 1,287 titles updated by every re-run, their genres depending on which ran last)
    ml_again = movielens_import(directory=datasets_dir / "movielens-small", ratings=False)
    assert (ml_again.rows_inserted, ml_again.rows_updated) == (0, 0)
    again = tmdb_import(movies_csv=datasets_dir / "tmdb-5000" / "tmdb_5000_movies.csv")
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert Genre.objects.filter(name__in=["Science Fiction", "Children"]).count() == 0
