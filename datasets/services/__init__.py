"""Loading data sets: importers (catalog and viewers' ratings), downloads, the demo generator.

Public entry points (each returns the finished `catalog.models.ImportRun`, or raises a
`core.errors.ApplicationError` — SourceError naming file and line, ValidationFailed for options):

* `imdb_import(directory=, title_types=None, min_votes=None, since_year=None, progress=None)`
* `tmdb_import(movies_csv=, credits_csv=None, progress=None)`
* `netflix_import(titles_path=None, ratings_paths=(), progress=None)`
* `movielens_import(directory=, ratings=True, progress=None)`
* `dataset_download(dataset=, dest=None, base_url=None, force=False, only=None, progress=None) -> [Path]`
* `demo_seed(seed=0, titles=1200, viewers=200, if_empty=False, progress=None) -> ImportRun | None`

`progress` is a callable ``progress(label, rows)`` (see `importers.progress.Progress`).
"""
from .demo import demo_seed
from .downloads import dataset_download
from .importers.imdb import imdb_import
from .importers.movielens import movielens_import
from .importers.netflix import netflix_import
from .importers.tmdb import tmdb_import

__all__ = ["dataset_download", "demo_seed", "imdb_import", "movielens_import", "netflix_import", "tmdb_import"]
