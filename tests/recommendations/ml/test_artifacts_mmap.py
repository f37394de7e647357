"""Two processes that load the same bundle share its arrays' pages (one copy in the page cache),
instead of each holding a private copy: what lets several gunicorn workers serve a large model."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recommendations.ml.artifacts import load_recommender, save_recommender
from recommendations.ml.matrix import build_interactions
from recommendations.ml.recommender import HybridParams, Recommender

from .planted import planted

REPO = Path(__file__).resolve().parents[3]
CHILD = """
import sys
import numpy as np
from recommendations.ml.artifacts import load_recommender
m = load_recommender(sys.argv[1])
print(float(np.asarray(m.user_vectors).sum()), flush=True)  # touches every page of the mapping
sys.stdin.readline()  # keep the mapping alive until the parent has looked
"""


def _mapping_kb(path, field):
    """`field` (Shared_Clean, Private_Clean, Rss…) of this process's mappings of `path`, in kB."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1].isdigit() or line[:1] in "abcdef" and "-" in line.split()[0]:
            inside = line.rstrip().endswith(str(path))
        elif inside and line.startswith(field + ":"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux /proc/<pid>/smaps")
def test_two_processes_share_the_pages_of_the_user_vectors(tmp_path):
    d = planted(seed=3, n_users=4000, n_items=60)
    m = build_interactions(d["users"], d["items"], d["ratings"])
    model = Recommender.fit(m, params=HybridParams(no_components=64, lightfm_ensemble=2, epochs=1,
                                                   ease_min_count=1, ease_nnz_per_item=20))
    out = save_recommender(model, tmp_path / "m")
    path = Path(out) / "arrays" / "user_vectors.npy"
    assert path.stat().st_size > 2_000_000  # 4,000 viewers x 128 float32: a few hundred pages
    loaded = load_recommender(out)
    total = float(np.asarray(loaded.user_vectors).sum())
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], cwd=REPO, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert abs(float(child.stdout.readline()) - total) < 1e-3 * max(1.0, abs(total))  # the child has read it all
        shared = _mapping_kb(path, "Shared_Clean")
        private = _mapping_kb(path, "Private_Clean") + _mapping_kb(path, "Private_Dirty")
    finally:
        child.stdin.write("\n")
        child.stdin.close()
        child.wait(timeout=60)
    size_kb = path.stat().st_size / 1024
    assert shared >= 0.9 * size_kb - 8, (shared, private, size_kb)  # the pages are mapped by both processes
    assert private <= 8  # no private copy (at most the partial first/last page)
