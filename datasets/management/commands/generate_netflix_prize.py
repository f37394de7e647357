"""Write a synthetic Netflix Prize data set in the original layout (datasets/netflix_synthetic.py)."""
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets import netflix_synthetic
from datasets.services.importers.progress import Progress


def count(text: str) -> int:
    """`100480507`, `100_480_507`, `24M`, `1.5M`, `500k` → an int."""
    m = re.fullmatch(r"\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(text)
    value = float(m.group(1).replace("_", "").replace(",", ""))
    return round(value * {"": 1, "k": 1e3, "m": 1e6}[m.group(2).lower()])


def default_titles() -> Path | None:
    """The real movie_titles.csv of the shared datasets folder, when it is on this machine."""
    root = Path(os.environ.get("NETFLOOX_SHARED_DATASETS") or Path(settings.BASE_DIR).parent / "shared" / "datasets")
    path = root / "netflix-prize" / "movie_titles.csv"
    return path if path.is_file() else None


class Command(BaseCommand):
    help = ("Write a synthetic Netflix Prize data set in the original layout: combined_data_1.txt … _4.txt "
            "(MovieID: lines, then CustomerID,Rating,Date) and movie_titles.csv, shaped like the original "
            "(480,189 customers at 100,480,507 ratings, heavy-tailed activity, Zipf-like title popularity, the "
            "original's star shares, 1999-11 to 2005-12) with planted tastes a recommender can learn. "
            "Deterministic for a seed; constant memory; progress on stderr.")

    def add_arguments(self, parser):
        parser.add_argument("--ratings", required=True, help="How many ratings (e.g. 100480507, 24M, 500k).")
        parser.add_argument("--out", required=True, help="Folder to write (created).")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--titles", help="A movie_titles.csv to copy (default: the real one from the shared "
                                             "datasets folder when present, else generated titles).")
        parser.add_argument("--generated-titles", action="store_true", help="Generate titles even when the real "
                                                                            "file is available.")

    def handle(self, *args, ratings, out, seed, titles, generated_titles, verbosity, **options):
        try:
            n = count(ratings)
        except ValueError:
            raise CommandError(f"--ratings: {ratings!r} is not a number of ratings (e.g. 100480507, 24M)")
        if titles and not Path(titles).is_file():
            raise CommandError(f"--titles: {titles} is not a file")
        titles_file = None if generated_titles else (titles or default_titles())
        progress = Progress(self.stderr._out, enabled=verbosity > 0)
        try:
            summary = netflix_synthetic.generate(ratings=n, out=out, seed=seed, titles_file=titles_file,
                                                 progress=lambda done, total: progress("ratings", done))
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc))
        progress.done()
        if verbosity:
            self.stdout.write(f"{summary.ratings:,} ratings by {summary.customers:,} customers on {summary.titles:,} "
                              f"titles in {out} (titles: {titles_file or 'generated'})")
