import pandas as pd

from popularity.ml.imdb import convert_imdb_metadata

COLUMNS = ["color", "director_name", "num_critic_for_reviews", "duration", "director_facebook_likes", "gross", "genres",
           "actor_1_name", "movie_title", "num_voted_users", "actor_3_name", "actor_2_name", "movie_imdb_link",
           "language", "country", "content_rating", "budget", "title_year", "imdb_score"]


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def row(title, link, score, votes=100, gross=1e6, **kw):
    base = dict(color="Color", director_name="Jane Doe", num_critic_for_reviews=10, duration=100,
                director_facebook_likes=5, gross=gross, genres="Drama|Romance", actor_1_name="Lead",
                movie_title=title + "\xa0", num_voted_users=votes, actor_3_name=None, actor_2_name="Second",
                movie_imdb_link=link, language="English", country="USA", content_rating="PG", budget=2e6,
                title_year=2001, imdb_score=score)
    base.update(kw)
    return base


def test_converter_uses_pre_release_columns_only(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    frame([row("Film", "l1", 7.1)]).to_csv(a, index=False)
    frame([row("Film", "l1", 7.1, votes=999999, gross=5e9, num_critic_for_reviews=900)]).to_csv(b, index=False)
    ra, rb = convert_imdb_metadata(a), convert_imdb_metadata(b)
    assert ra == rb
    rec = ra[0]
    assert rec["title"] == "Film" and rec["rating"] == 7.1 and rec["genres"] == ["Drama", "Romance"]
    assert rec["actors"] == ["Lead", "Second"] and rec["directors"] == ["Jane Doe"]
    assert rec["writers"] == [] and rec["producers"] == [] and rec["year"] == 2001 and rec["runtime"] == 100
    assert not {"gross", "num_voted_users", "votes"} & set(rec)


def test_converter_drops_unscored_and_duplicate_rows(tmp_path):
    p = tmp_path / "m.csv"
    frame([row("A", "l1", 7.0), row("A", "l1", 7.0), row("B", "l2", None), row("C", "l3", 5.5)]).to_csv(p, index=False)
    assert [r["title"] for r in convert_imdb_metadata(p)] == ["A", "C"]
