"""generate_netflix_prize: the original layout, its shape, determinism, and a learnable planted taste."""
import gzip
import hashlib
import re

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import CommandError, call_command

from datasets import netflix_synthetic as gen

HEADER = re.compile(rb"^[1-9][0-9]*:$")
RATING = re.compile(rb"^[1-9][0-9]*,[1-5],(?:1999|200[0-5])-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")


def _grammar(blob: bytes):
    """(movie ids in order, ratings per movie) of a blob in the ratings layout; asserts every line."""
    assert b"\r" not in blob and blob.endswith(b"\n") and not blob.endswith(b"\n\n")
    movies, counts = [], []
    for n, line in enumerate(blob[:-1].split(b"\n"), start=1):
        if HEADER.match(line):
            movies.append(int(line[:-1]))
            counts.append(0)
        else:
            assert RATING.match(line), (n, line)
            assert movies, "a rating before the first MovieID: line"
            counts[-1] += 1
    return movies, counts


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("np-small")
    summary = gen.generate(ratings=400_000, out=out, seed=7)
    return out, summary


def test_the_real_sample_obeys_the_grammar_the_generator_is_checked_with(datasets_dir):
    path = datasets_dir / "netflix-prize" / "combined_data_sample.txt.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    movies, counts = _grammar(gzip.decompress(path.read_bytes()))
    assert movies == list(range(1, 21)) and counts[:8] == [547, 145, 2012, 142, 1140, 1019, 93, 14910]


def test_layout_is_the_originals_split_by_movie_ranges(small):
    out, summary = small
    first = 1
    total = 0
    for k, last in enumerate(gen.FILE_LAST_MOVIE, start=1):
        movies, counts = _grammar((out / f"combined_data_{k}.txt").read_bytes())
        assert movies == list(range(first, last + 1))  # every movie, in order, in its file
        assert min(counts) >= 1
        total += sum(counts)
        first = last + 1
    assert total == summary.ratings == 400_000
    assert sorted(p.name for p in out.iterdir()) == [
        "combined_data_1.txt", "combined_data_2.txt", "combined_data_3.txt", "combined_data_4.txt",
        "movie_titles.csv"]


def test_generated_titles_have_the_original_titles_layout(small):
    out, _ = small
    raw = (out / "movie_titles.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    lines = raw.decode("latin-1").splitlines()
    assert len(lines) == gen.N_TITLES
    rows = [line.split(",", 2) for line in lines]
    assert [int(r[0]) for r in rows] == list(range(1, gen.N_TITLES + 1))
    assert all(r[1] == "NULL" or 1900 <= int(r[1]) <= 2005 for r in rows)
    assert any("," in r[2] for r in rows) and any(r[1] == "NULL" for r in rows)  # the original's traps
    assert not lines[0].lower().startswith("movieid")  # no header


def test_the_real_titles_file_is_copied_byte_for_byte(tmp_path, datasets_dir):
    real = datasets_dir / "netflix-prize" / "movie_titles.csv"
    if not real.exists():
        pytest.skip(f"{real} is absent")
    gen.generate(ratings=20_000, out=tmp_path, seed=1, titles_file=real)
    assert (tmp_path / "movie_titles.csv").read_bytes() == real.read_bytes()


def test_the_shape_is_the_originals_scaled_down(small):
    out, summary = small
    stats = gen.shape_stats(sorted(out.glob("combined_data_*.txt")))
    assert stats["duplicate_pairs"] == 0  # one rating per (customer, movie)
    assert stats["customers"] == summary.customers == round(gen.FULL_CUSTOMERS * 400_000 / gen.FULL_RATINGS)
    assert stats["max_customer_id"] <= gen.MAX_CUSTOMER_ID
    assert abs(stats["per_customer_mean"] - gen.FULL_RATINGS / gen.FULL_CUSTOMERS) < 1  # 209 each
    assert 60 <= stats["per_customer_median"] <= 140  # heavy-tailed: median ≈ 96, mean ≈ 209
    assert stats["per_title_max"] > 50 * stats["per_title_median"]  # a Zipf-like head
    for share, target in zip(stats["star_shares"], gen.RATING_SHARES, strict=True):
        assert abs(share - target) < 0.02, stats["star_shares"]
    assert "1999-11-11" <= stats["first_date"] and stats["last_date"] <= "2005-12-31"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    def digest(seed, folder):
        gen.generate(ratings=30_000, out=folder, seed=seed)
        return hashlib.sha256(b"".join((folder / f"combined_data_{k}.txt").read_bytes() for k in range(1, 5)))

    assert digest(3, tmp_path / "a").hexdigest() == digest(3, tmp_path / "b").hexdigest()
    assert digest(3, tmp_path / "a").hexdigest() != digest(4, tmp_path / "c").hexdigest()


def _matrix(out):
    users, items = [], []
    for k in range(1, 5):
        movie = None
        for line in (out / f"combined_data_{k}.txt").read_bytes().split(b"\n"):
            if line.endswith(b":"):
                movie = int(line[:-1])
            elif line:
                users.append(int(line.split(b",", 1)[0]))
                items.append(movie - 1)
    _, u = np.unique(np.array(users), return_inverse=True)
    return np.asarray(u), np.array(items)


def test_the_planted_taste_is_learnable_item_item_beats_most_popular(small):
    """Hold out 20 % of each sampled customer's ratings: an item-item co-occurrence model trained on
    the rest ranks them far better than the most-popular list (the structure is there to find)."""
    out, _ = small
    u, i = _matrix(out)
    rng = np.random.default_rng(0)
    test = rng.random(len(u)) < 0.2
    n_users, n_items = u.max() + 1, gen.N_TITLES
    train = sp.csr_matrix((np.ones((~test).sum(), dtype=np.float32), (u[~test], i[~test])), shape=(n_users, n_items))
    norm = sp.diags(1 / np.sqrt(np.maximum(np.asarray(train.sum(axis=0)).ravel(), 1)))
    sim = (norm @ (train.T @ train) @ norm).tocsr()
    sim.setdiag(0)
    popularity = np.asarray(train.sum(axis=0)).ravel()
    sample = rng.choice(n_users, 300, replace=False)
    held = {x: set(i[test & (u == x)]) for x in sample}

    def hits(scores, x):
        seen = train[x].indices
        scores[seen] = -np.inf
        return len(set(np.argpartition(-scores, 10)[:10]) & held[x])

    knn = sum(hits(np.asarray((train[x] @ sim).todense()).ravel(), x) for x in sample)
    pop = sum(hits(popularity.astype(float).copy(), x) for x in sample)
    assert knn > 1.5 * pop, (knn, pop)  # measured: 1,680 against 828 hits


def test_the_generated_files_import_without_a_rejected_line(tmp_path, db):
    from datasets.services.importers.netflix import netflix_import

    gen.generate(ratings=20_000, out=tmp_path, seed=5)
    run = netflix_import(titles_path=tmp_path / "movie_titles.csv",
                         ratings_paths=sorted(tmp_path.glob("combined_data_*.txt")))
    assert run.status == "succeeded" and run.rows_rejected == 0
    assert run.rows_inserted >= 20_000


def test_the_command_parses_sizes_and_names_bad_arguments(tmp_path, capsys):
    call_command("generate_netflix_prize", ratings="20k", out=str(tmp_path / "d"), generated_titles=True)
    assert "20,000 ratings" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--ratings: 'lots'"):
        call_command("generate_netflix_prize", ratings="lots", out=str(tmp_path / "e"))
    with pytest.raises(CommandError, match="at least 17770"):
        call_command("generate_netflix_prize", ratings="100", out=str(tmp_path / "f"))
    with pytest.raises(CommandError, match="--titles: .* is not a file"):
        call_command("generate_netflix_prize", ratings="20k", out=str(tmp_path / "g"), titles=str(tmp_path / "no"))
