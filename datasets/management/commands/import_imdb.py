"""Import IMDb non-commercial TSV files (https://datasets.imdbws.com/) from a directory."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.importers.imdb import imdb_import
from datasets.services.importers.progress import Progress, run_report


class Command(BaseCommand):
    help = ("Import IMDb TSV files (title.basics, title.ratings, name.basics, title.principals, title.crew — "
            "gzip or plain, whichever are present) from DIR. Idempotent: a re-run only updates what changed.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--title-types", default=None,
                            help="Comma-separated IMDb title types to keep, e.g. movie,tvSeries,tvMiniSeries.")
        parser.add_argument("--min-votes", type=int, default=None,
                            help="Keep only titles with at least N votes (needs title.ratings).")
        parser.add_argument("--since-year", type=int, default=None, help="Keep only titles started in Y or later.")
        parser.add_argument("--chunk-size", type=int, default=5000, help="Rows per database transaction.")

    def handle(self, *args, directory, title_types, min_votes, since_year, chunk_size, verbosity, **options):
        try:
            run = imdb_import(directory=directory, title_types=title_types, min_votes=min_votes,
                              since_year=since_year, chunk_size=chunk_size,
                              progress=Progress(self.stderr._out, enabled=verbosity > 0))
        except ApplicationError as exc:
            raise CommandError(exc.message)
        summary, errors = run_report(run)
        if verbosity:
            self.stdout.write(summary)
            if errors:
                self.stderr.write(errors)
