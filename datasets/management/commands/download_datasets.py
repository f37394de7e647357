"""Download the public datasets (IMDb, MovieLens; TMDB and Netflix Prize from a mirror you name)."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.downloads import DATASETS, dataset_download
from datasets.services.importers.progress import Progress


class Command(BaseCommand):
    help = ("Download datasets into --dest (default NETFLOOX_DATA_DIR/<dataset>): imdb (datasets.imdbws.com), "
            "movielens (ml-latest-small.zip from files.grouplens.org, unzipped). tmdb and netflix have no official "
            "URL: give --base-url pointing at a mirror. Files already present are kept unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("datasets", nargs="+", choices=sorted(DATASETS), metavar="DATASET",
                            help=f"one or more of: {', '.join(sorted(DATASETS))}")
        parser.add_argument("--dest", default=None, help="Directory to write into (one sub-directory per dataset "
                                                         "when several datasets are given).")
        parser.add_argument("--base-url", default=None, help="Fetch the files from this URL instead.")
        parser.add_argument("--only", default=None, help="Comma-separated file names to fetch (e.g. "
                                                         "title.basics.tsv.gz,title.ratings.tsv.gz).")
        parser.add_argument("--force", action="store_true", help="Download again even if the file exists.")

    def handle(self, *args, datasets, dest, base_url, only, force, verbosity, **options):
        progress = Progress(self.stderr._out, enabled=verbosity > 0)
        for name in datasets:
            target = dest if (dest and len(datasets) == 1) else (f"{dest}/{name}" if dest else None)
            try:
                paths = dataset_download(dataset=name, dest=target, base_url=base_url, force=force,
                                         only=only.split(",") if only else None, progress=progress)
            except ApplicationError as exc:
                raise CommandError(f"{name}: {exc.message}")
            progress.done()
            if verbosity:
                for p in paths:
                    self.stdout.write(f"{name}: {p}")
