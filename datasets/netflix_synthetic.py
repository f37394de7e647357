"""A synthetic Netflix Prize data set in the original layout, at any size (no ORM: files only).

`generate(ratings=N, out=DIR, seed=S)` writes `combined_data_1.txt` … `combined_data_4.txt` —
`MovieID:` header lines, each followed by that movie's `CustomerID,Rating,Date` lines, split by
MovieID as the original is (1–4499, 4500–9210, 9211–13367, 13368–17770) — and `movie_titles.csv`
(a copy of the real one when it is given, else generated titles in the same latin-1,
header-less `MovieID,YearOfRelease,Title` layout).

Shape, at N = 100,480,507 (the original's size), and scaled down with N:
* 480,189 customers (N × 480,189 / 100,480,507 below that), ids drawn without replacement from
  1 … 2,649,429 as the original's are;
* heavy-tailed activity: a log-normal weight per customer (median ≈ 96 ratings, mean ≈ 209);
* log-normal title popularity (a Zipf-like rank/frequency curve; median ≈ 560 ratings per title at
  full size), capped at 48.5 % of the customers (the original's most rated title);
* ratings 1–5 drawn from a latent score and cut at the original's shares (≈ 4.6 / 10.1 / 28.7 /
  33.6 / 23.1 %);
* dates from 1999-11-11 to 2005-12-31, denser towards the end, never before a customer's first
  day nor the title's release year;
* **planted tastes**: every customer and every title belongs to one of `TASTES` (8) clusters; 60 % of
  a title's raters come from its cluster (whose customers are 1/8 of all; at most 90 % of the
  cluster rates one title), and they rate it higher. A collaborative model must find this
  structure to beat most-popular on held-out ratings (item-item co-occurrence gets 2× its hits).
* one rating per (customer, title).

Memory is constant in N (arrays per customer and per title, one title's block at a time), the
output is deterministic for a seed, and `progress(done, total)` is called after each title.
"""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FULL_RATINGS = 100_480_507
FULL_CUSTOMERS = 480_189
MAX_CUSTOMER_ID = 2_649_429
N_TITLES = 17_770
# combined_data_k.txt holds the movies up to FILE_LAST_MOVIE[k-1] (the original's split).
FILE_LAST_MOVIE = (4499, 9210, 13367, 17770)
FIRST_DAY = dt.date(1999, 11, 11)
LAST_DAY = dt.date(2005, 12, 31)
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
TASTES = 8
IN_TASTE_SHARE = 0.6  # share of a title's raters drawn from its taste cluster
TASTE_BOOST = 0.9  # latent-score bonus of a rating given inside one's taste (in score s.d. units)
RATING_SHARES = (0.046, 0.101, 0.287, 0.336, 0.231)  # the original's 1..5 star shares
ACTIVITY_MEDIAN, ACTIVITY_SIGMA = 96.0, 2.0
TITLE_MEDIAN_FULL, TITLE_SIGMA = 561.0, 2.15
TITLE_MIN = 3  # the original's least rated titles have 3 ratings
TITLE_CAP_SHARE = 0.485


@dataclass
class Summary:
    ratings: int
    customers: int
    titles: int
    files: list


def _cutpoints():
    """Latent-score thresholds that give RATING_SHARES when the score is ~N(0, 1)."""
    from scipy.stats import norm

    return norm.ppf(np.cumsum(RATING_SHARES)[:-1])


def _title_counts(rng, n_ratings, n_customers):
    """Ratings per title: log-normal, capped, summing exactly to n_ratings."""
    scale = n_ratings / FULL_RATINGS
    raw = rng.lognormal(np.log(TITLE_MEDIAN_FULL * scale), TITLE_SIGMA, N_TITLES)
    cap = max(1, int(TITLE_CAP_SHARE * n_customers))
    counts = raw
    for _ in range(50):  # rescale to the total, cap the head, repeat until stable
        counts = np.minimum(counts * (n_ratings / counts.sum()), cap)
        if abs(counts.sum() - n_ratings) < 1:
            break
    floor = min(TITLE_MIN, n_ratings // N_TITLES)
    counts = np.maximum(np.floor(counts).astype(np.int64), floor)
    short = n_ratings - int(counts.sum())
    order = np.argsort(-raw)  # hand the rounding remainder to the most popular titles with room
    i = 0
    while short != 0:
        t = order[i % N_TITLES]
        if short > 0 and counts[t] < cap:
            counts[t] += 1
            short -= 1
        elif short < 0 and counts[t] > floor:
            counts[t] -= 1
            short += 1
        i += 1
    return counts


def _sample_distinct(rng, cum, pool, k, taken):
    """k distinct members of `pool` (an index array) not yet `taken` (a bool mask over every
    customer), drawn with probability ∝ weight (`cum`: cumulative weight over pool), without
    replacement. Marks them taken; the caller clears the mask after the title."""
    k = min(k, len(pool) - int(taken[pool].sum()) if len(pool) < 4 * k else k)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    parts, have = [], 0
    for _ in range(12):
        need = k - have
        draws = np.searchsorted(cum, rng.random(int(need * 1.15) + 16) * cum[-1], side="right")
        draws = pool[np.minimum(draws, len(pool) - 1)]
        draws = draws[~taken[draws]]
        draws.sort()
        draws = draws[np.r_[True, draws[1:] != draws[:-1]]] if len(draws) else draws
        draws = rng.permutation(draws)[:need]
        taken[draws] = True
        parts.append(draws)
        have += len(draws)
        if have >= k:
            return np.concatenate(parts)
    # Heavily skewed weights leave a tail that weighted draws rarely reach: fill it uniformly.
    rest = pool[~taken[pool]]
    extra = rng.choice(rest, size=min(k - have, len(rest)), replace=False)
    taken[extra] = True
    parts.append(extra)
    return np.concatenate(parts)


def read_titles(path):
    """[(movie_id, year or None)] from a movie_titles.csv (latin-1, no header, split on two commas)."""
    out = []
    with open(path, encoding="latin-1", newline="") as fh:
        for line in fh:
            mid, year, _ = line.rstrip("\r\n").split(",", 2)
            out.append((int(mid), None if year == "NULL" else int(year)))
    return out


_WORDS = ("Night", "River", "Last", "Summer", "Heart", "City", "Blue", "Secret", "Road", "Moon", "Silent",
          "Wild", "Storm", "Garden", "Stranger", "Winter", "Golden", "Shadow", "Ghost", "Crown", "Café")


def write_generated_titles(path, rng):
    """A movie_titles.csv in the original layout: latin-1, no header, unquoted titles that may hold
    commas, `NULL` for an unknown year, \\n line ends."""
    with open(path, "w", encoding="latin-1", newline="") as fh:
        for mid in range(1, N_TITLES + 1):
            a, b, c = rng.choice(len(_WORDS), 3)
            title = f"{_WORDS[a]} {_WORDS[b]}"
            if mid % 53 == 0:
                title += f", {_WORDS[c]}"  # like "Hello, Dolly!": commas, unquoted
            if mid % 37 == 0:
                title += f": Season {1 + mid % 5}"
            year = "NULL" if mid % 2539 == 0 else str(int(rng.integers(1915, 2006)))
            fh.write(f"{mid},{year},{title}\n")


def generate(*, ratings: int, out, seed: int = 42, titles_file=None, progress=None) -> Summary:
    """Write the data set into `out` (created); see the module docstring."""
    if ratings < N_TITLES:
        raise ValueError(f"--ratings must be at least {N_TITLES} (one per title), got {ratings}")
    if ratings > FULL_RATINGS * 2:
        raise ValueError(f"--ratings above {FULL_RATINGS * 2:,} is not a Netflix Prize shape")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    # Titles: the real file when given (its years bound the dates), else generated.
    titles_path = out / "movie_titles.csv"
    if titles_file:
        shutil.copyfile(titles_file, titles_path)
    else:
        write_generated_titles(titles_path, np.random.default_rng([seed, 1]))
    years = {mid: y for mid, y in read_titles(titles_path)}

    # Customers: ids, activity weights, taste cluster, rating bias, first day.
    n_customers = max(200, round(FULL_CUSTOMERS * ratings / FULL_RATINGS))
    ids = np.sort(rng.choice(MAX_CUSTOMER_ID, n_customers, replace=False) + 1)
    weight = rng.lognormal(np.log(ACTIVITY_MEDIAN), ACTIVITY_SIGMA, n_customers)
    weight = np.minimum(weight, 17_000.0)
    taste = rng.integers(0, TASTES, n_customers)
    bias = rng.normal(0.0, 1.0, n_customers)  # scaled by bias_sd below
    # Sign-up day: density growing towards 2005, like Netflix's membership.
    first_day = np.minimum((N_DAYS * np.sqrt(rng.random(n_customers))).astype(np.int64), N_DAYS - 1)
    cum_all = np.cumsum(weight)
    pool_all = np.arange(n_customers, dtype=np.int64)
    by_taste = [np.flatnonzero(taste == k) for k in range(TASTES)]
    cum_taste = [np.cumsum(weight[p]) for p in by_taste]
    taken = np.zeros(n_customers, dtype=bool)

    # Titles: how many ratings, which taste, a quality.
    counts = _title_counts(rng, ratings, n_customers)
    title_taste = rng.integers(0, TASTES, N_TITLES)
    quality_sd, bias_sd, noise_sd = 0.55, 0.45, 0.75
    quality = rng.normal(0.0, quality_sd, N_TITLES)
    cut = _cutpoints()

    # One line's text = customer part + rating/date part, both precomputed once.
    cid_txt = np.array([f"{i},".encode() for i in ids.tolist()], dtype=object)
    day_txt = [(FIRST_DAY + dt.timedelta(days=d)).isoformat() for d in range(N_DAYS)]
    rd_txt = np.array([f"{r},{day_txt[d]}".encode() for r in range(1, 6) for d in range(N_DAYS)], dtype=object)

    files, done, movie = [], 0, 1
    for k, last in enumerate(FILE_LAST_MOVIE, start=1):
        path = out / f"combined_data_{k}.txt"
        files.append(str(path))
        with open(path, "wb", buffering=1 << 22) as fh:
            while movie <= last:
                t = movie - 1
                mrng = np.random.default_rng([seed, 2, movie])
                c = int(counts[t])
                kt = int(title_taste[t])
                n_in = min(int(mrng.binomial(c, IN_TASTE_SHARE)), int(0.9 * len(by_taste[kt])))
                inside = _sample_distinct(mrng, cum_taste[kt], by_taste[kt], n_in, taken)
                outside = _sample_distinct(mrng, cum_all, pool_all, c - len(inside), taken)
                who = mrng.permutation(np.concatenate([inside, outside]))
                taken[who] = False
                # Rating: latent score cut at the original's shares.
                s = (quality[t] + bias_sd * bias[who] + TASTE_BOOST * (taste[who] == kt)
                     + mrng.normal(0.0, noise_sd, len(who)))
                # Standardised with this title's share of in-taste raters, so that the score is ~N(0, 1)
                # over all ratings and the cut points give the original's star shares.
                p = len(inside) / len(who)
                s_sd = np.sqrt(quality_sd ** 2 + bias_sd ** 2 + TASTE_BOOST ** 2 * p * (1 - p) + noise_sd ** 2)
                stars = np.searchsorted(cut, (s - TASTE_BOOST * p) / s_sd)  # 0..4 = 1..5 stars
                # Date: after the customer's first day and the title's release year.
                year = years.get(movie)
                released = max(0, (dt.date(year, 1, 1) - FIRST_DAY).days) if year else 0
                lo = np.maximum(first_day[who], min(released, N_DAYS - 1))
                day = lo + (mrng.random(len(who)) * (N_DAYS - lo)).astype(np.int64)
                fh.write(f"{movie}:\n".encode())
                fh.write(b"\n".join((cid_txt[who] + rd_txt[stars * N_DAYS + day]).tolist()))
                fh.write(b"\n")
                done += len(who)
                movie += 1
                if progress:
                    progress(done, ratings)
    return Summary(ratings=done, customers=n_customers, titles=N_TITLES, files=files)


def shape_stats(paths) -> dict:
    """What a data set in this layout looks like (for tests and the benchmark; reads it all with
    numpy, so meant for files up to a few tens of millions of ratings)."""
    movie_parts, user_parts, star_parts, first, last = [], [], [], None, None
    for path in paths:
        with open(path, "rb") as fh:
            blocks = fh.read().split(b"\n")
        movie = None
        users, stars, movies = [], [], []
        for line in blocks:
            if not line:
                continue
            if line.endswith(b":"):
                movie = int(line[:-1])
                continue
            u, r, d = line.split(b",")
            users.append(int(u))
            stars.append(int(r))
            movies.append(movie)
            first = d if first is None or d < first else first
            last = d if last is None or d > last else last
        movie_parts.append(np.array(movies, dtype=np.int64))
        user_parts.append(np.array(users, dtype=np.int64))
        star_parts.append(np.array(stars, dtype=np.int64))
    m, u, r = (np.concatenate(x) for x in (movie_parts, user_parts, star_parts))
    _, per_user = np.unique(u, return_counts=True)
    _, per_title = np.unique(m, return_counts=True)
    return {
        "ratings": int(len(u)), "customers": int(len(per_user)), "titles": int(len(per_title)),
        "max_customer_id": int(u.max()), "duplicate_pairs": int(len(u) - len(np.unique(u * 20_000 + m))),
        "per_customer_median": float(np.median(per_user)), "per_customer_mean": float(per_user.mean()),
        "per_title_median": float(np.median(per_title)), "per_title_max": int(per_title.max()),
        "per_title_min": int(per_title.min()),
        "star_shares": [float(x) for x in np.bincount(r, minlength=6)[1:] / len(r)], "mean_star": float(r.mean()),
        "first_date": first.decode(), "last_date": last.decode(),
    }
