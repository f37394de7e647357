"""Readers for the MovieLens layouts, their errors, the matrix, weights and feature matrices."""
import numpy as np
import pytest

from recommendations.ml.data import DataFormatError, item_feature_strings, read_items, read_ratings, sibling_items_path
from recommendations.ml.features import build_feature_matrix, feature_vector
from recommendations.ml.matrix import IdMap, build_interactions, confidence_weights, session_matrix


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_ratings_csv_and_movies_csv(tmp_path):
    r = write(tmp_path / "ratings.csv", "userId,movieId,rating,timestamp\n1,10,4.0,100\n1,20,3.5,101\n\n2,010,5,102\n")
    t = read_ratings(r)
    assert t.users.tolist() == ["1", "1", "2"]
    assert t.items.tolist() == ["10", "20", "10"]  # digit ids canonicalised
    assert t.ratings.tolist() == [4.0, 3.5, 5.0]
    assert t.timestamps.tolist() == [100, 101, 102]
    m = write(tmp_path / "movies.csv", 'movieId,title,genres\n10,"Heat, The (1995)",Action|Crime\n'
                                        "20,Nothing (2001),(no genres listed)\n")
    assert sibling_items_path(r) == m
    items = read_items(m)
    assert items["10"].genres == ["Action", "Crime"] and items["10"].year == 1995
    assert items["20"].genres == []
    assert item_feature_strings(items) == {"10": ["genre:action", "genre:crime", "decade:1990s"],
                                           "20": ["decade:2000s"]}


def test_u_data_with_u_item(tmp_path):
    r = write(tmp_path / "u.data", "1\t1\t5\t874965758\n2\t2\t3\t876893171\n")
    flags = ["0"] * 19
    flags[1] = flags[8] = "1"  # Action, Drama
    write(tmp_path / "u.item", "1|Toy Story (1995)|01-Jan-1995||http://x|" + "|".join(flags) + "\n"
                               "2|Caf\xe9 (1996)|01-Jan-1996||http://y|" + "|".join(["0"] * 18 + ["1"]) + "\n",
          encoding="latin-1")
    t = read_ratings(r)
    assert t.users.tolist() == ["1", "2"] and t.ratings.tolist() == [5.0, 3.0]
    items = read_items(sibling_items_path(r))
    assert items["1"].genres == ["Action", "Drama"] and items["1"].year == 1995
    assert items["2"].title == "Café (1996)" and items["2"].genres == ["Western"]


def test_ratings_dat_with_movies_dat(tmp_path):
    r = write(tmp_path / "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n")
    write(tmp_path / "movies.dat", "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James (1996)::Animation|Children's\n",
          encoding="latin-1")
    t = read_ratings(r)
    assert t.items.tolist() == ["1193", "661"]
    items = read_items(sibling_items_path(r))
    assert items["661"].genres == ["Animation", "Children's"]
    assert item_feature_strings(items)["661"] == ["genre:animation", "genre:children-s", "decade:1990s"]


@pytest.mark.parametrize("content, line, field, words", [
    ("userId,movieId,rating\n1,2,4\n1,3,abc\n", 3, "rating", "'abc' is not a positive number"),
    ("userId,movieId,rating\n1,2,4\n1,3,-1\n", 3, "rating", "positive"),
    ("userId,movieId,rating\n1,2,4\n1,,4\n", 3, "movieId", "empty id"),
    ("user,film,rating\n1,2,4\n", 1, "movieId", "missing column"),
    ("userId,movieId,rating,timestamp\n1,2,4,100\n\n1,3,4,yesterday\n", 4, "timestamp", "not a number"),
])
def test_bad_input_names_file_line_and_field(tmp_path, content, line, field, words):
    path = write(tmp_path / "ratings.csv", content)
    with pytest.raises(DataFormatError) as e:
        read_ratings(path)
    msg = str(e.value)
    assert e.value.line == line and e.value.field == field
    assert path in msg and f"line {line}" in msg and f"'{field}'" in msg and words in msg


def test_missing_file_and_bad_genre_flag(tmp_path):
    with pytest.raises(DataFormatError, match="no such file"):
        read_ratings(tmp_path / "nope.csv")
    write(tmp_path / "u.item", "1|X (1995)|01-Jan-1995||u|" + "|".join(["0"] * 18 + ["7"]) + "\n")
    with pytest.raises(DataFormatError) as e:
        read_items(tmp_path / "u.item")
    assert e.value.line == 1 and e.value.field == "Western"


def test_interactions_keep_the_latest_duplicate_and_align_times():
    m = build_interactions(["a", "a", "b", "a"], ["x", "y", "x", "x"], [1.0, 2.0, 3.0, 5.0],
                           timestamps=[10, 20, 30, 5])
    # ("a", "x") rated at t=10 (value 1) and t=5 (value 5): the later one (1.0) wins
    assert m.values[m.users.index("a"), m.items.index("x")] == 1.0
    assert m.nnz == 3
    row = m.users.index("a")
    s, e = m.values.indptr[row], m.values.indptr[row + 1]
    assert dict(zip(m.values.indices[s:e].tolist(), m.times[s:e].tolist(), strict=True)) == {
        m.items.index("x"): 10.0, m.items.index("y"): 20.0}
    assert m.item_counts().tolist() == [2, 1]


def test_catalog_items_without_interactions_stay_in_the_map():
    m = build_interactions(["a"], ["x"], [4.0], item_ids=IdMap(["z", "x"]))
    assert m.items.ids == ["z", "x"] and m.item_counts().tolist() == [0, 1]


def test_confidence_weights():
    r = [5.0, 1.0]
    assert confidence_weights(r, "binary").tolist() == [1.0, 1.0]
    assert np.allclose(confidence_weights(r, "linear"), [1.0, 0.2])
    assert np.allclose(confidence_weights(r, "sqrt"), [1.0, np.sqrt(0.2)])
    with pytest.raises(ValueError):
        confidence_weights(r, "cubic")


def test_session_rows_group_a_users_same_day_interactions():
    m = build_interactions(["a", "a", "a", "b"], ["x", "y", "z", "x"], [4, 4, 4, 4],
                           timestamps=[0, 3600, 3 * 86400, 100])
    S = session_matrix(m.binary(), m.times, 86400)
    rows = sorted(tuple(sorted(S[i].indices.tolist())) for i in range(S.shape[0]))
    x, y, z = (m.items.index(k) for k in "xyz")
    assert rows == sorted([tuple(sorted((x, y))), (z,), (x,)])


def test_feature_matrix_identity_only_for_items_with_interactions():
    items = IdMap(["1", "2", "3"])
    feats = {"1": ["genre:drama", "decade:1990s"], "2": ["genre:drama"], "3": ["genre:comedy", "genre:drama"]}
    F, space = build_feature_matrix(items, feats, identity=True, has_identity=np.array([True, True, False]))
    assert space.n_identity == 3 and space.names.ids == ["decade:1990s", "genre:comedy", "genre:drama"]
    dense = F.toarray()
    assert dense[0].tolist() == [1, 0, 0, 1, 0, 1]
    assert dense[2].tolist() == [0, 0, 0, 0, 1, 1]  # cold item: features only
    v = feature_vector(space, ["genre:drama", "actor:unknown"])
    assert v.toarray().tolist() == [[0, 0, 0, 0, 0, 1]]
    Fn, _ = build_feature_matrix(items, feats, identity=False, normalize=True)
    assert np.allclose(Fn.toarray().sum(1), 1.0)
