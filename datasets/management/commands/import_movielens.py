"""Import a MovieLens directory (ml-latest(-small), ml-100k, ml-1m/10m layouts)."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.importers.movielens import movielens_import
from datasets.services.importers.progress import Progress, run_report


class Command(BaseCommand):
    help = ("Import MovieLens movies (+ links, tags) and ratings from DIR: movies.csv/ratings.csv/links.csv/tags.csv, "
            "or u.item/u.data, or movies.dat/ratings.dat. Ratings become rating events of viewers keyed by "
            "MovieLens user id (created as needed). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--no-ratings", action="store_true", help="Import movies, links and tags only.")
        parser.add_argument("--chunk-size", type=int, default=5000, help="Movies per database transaction.")

    def handle(self, *args, directory, no_ratings, chunk_size, verbosity, **options):
        try:
            run = movielens_import(directory=directory, ratings=not no_ratings, chunk_size=chunk_size,
                                   progress=Progress(self.stderr._out, enabled=verbosity > 0))
        except ApplicationError as exc:
            raise CommandError(exc.message)
        summary, errors = run_report(run)
        if verbosity:
            self.stdout.write(summary)
            if errors:
                self.stderr.write(errors)
