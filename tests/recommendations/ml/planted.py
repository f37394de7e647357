"""Synthetic rating data with a planted structure whose right answer is known.

Users belong to one of ``n_clusters`` taste clusters; each cluster has its own block of items
(genre ``g<c>``). A user rates mostly items of their own cluster (popular ones more often) and a
few random items. So the right recommendations for a user are the unseen items of their own
block, the most-popular list mixes every block, and an item's genre tells its block.
"""
from __future__ import annotations

import numpy as np


def planted(*, n_users=240, n_items=160, n_clusters=4, ratings_per_user=(12, 30), noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    per = n_items // n_clusters
    item_cluster = np.repeat(np.arange(n_clusters), per)
    n_items = per * n_clusters
    # Zipf-like popularity inside each block
    pop = np.tile(1.0 / np.arange(1, per + 1) ** 0.8, n_clusters)
    users, items, ratings, ts = [], [], [], []
    user_cluster = np.arange(n_users) % n_clusters
    t = 1_000_000_000
    for u in range(n_users):
        c = user_cluster[u]
        n = int(rng.integers(*ratings_per_user))
        own = np.flatnonzero(item_cluster == c)
        p = pop[own] / pop[own].sum()
        n_noise = int(round(noise * n))
        chosen = list(rng.choice(own, size=min(n - n_noise, len(own)), replace=False, p=p))
        others = np.setdiff1d(np.arange(n_items), chosen)
        chosen += list(rng.choice(others, size=n_noise, replace=False))
        for j in chosen:
            users.append(f"{u + 1}")
            items.append(f"{j + 1}")
            ratings.append(float(rng.choice([4.0, 4.5, 5.0]) if item_cluster[j] == c else rng.choice([1.0, 2.0, 3.0])))
            t += int(rng.integers(60, 3600))
            ts.append(t)
    genres = {f"{j + 1}": [f"g{item_cluster[j]}"] for j in range(n_items)}
    return {
        "users": np.array(users, dtype=object), "items": np.array(items, dtype=object),
        "ratings": np.array(ratings), "timestamps": np.array(ts, dtype=np.int64),
        "user_cluster": {f"{u + 1}": int(user_cluster[u]) for u in range(n_users)},
        "item_cluster": {f"{j + 1}": int(item_cluster[j]) for j in range(n_items)},
        "genres": genres, "n_clusters": n_clusters,
    }


def write_movielens(dirpath, data, *, extra_users=()):
    """Write ratings.csv / movies.csv / users.txt in the MovieLens layout; returns the paths."""
    import os

    r = os.path.join(dirpath, "ratings.csv")
    with open(r, "w") as fh:
        fh.write("userId,movieId,rating,timestamp\n")
        for u, i, x, t in zip(data["users"], data["items"], data["ratings"], data["timestamps"], strict=True):
            fh.write(f"{u},{i},{x},{t}\n")
    m = os.path.join(dirpath, "movies.csv")
    with open(m, "w") as fh:
        fh.write("movieId,title,genres\n")
        for i, g in data["genres"].items():
            fh.write(f'{i},"Film {i}, the movie ({1950 + int(i) % 60})",{"|".join(g) or "(no genres listed)"}\n')
    us = os.path.join(dirpath, "users.txt")
    ids = sorted(set(data["users"].tolist()), key=int)
    with open(us, "w") as fh:
        fh.write("\n".join(list(ids) + list(extra_users)) + "\n")
    return r, m, us
