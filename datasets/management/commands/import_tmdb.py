"""Import the TMDB 5000 movies CSV (and optionally its credits CSV)."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.importers.progress import Progress, run_report
from datasets.services.importers.tmdb import tmdb_import


class Command(BaseCommand):
    help = ("Import tmdb_5000_movies.csv (merged onto stored titles by TMDB id, IMDb id, or title + year) and, "
            "with --credits, tmdb_5000_credits.csv (people and cast/crew credits). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("movies_csv", metavar="MOVIES_CSV")
        parser.add_argument("--credits", dest="credits_csv", default=None, metavar="CREDITS_CSV")
        parser.add_argument("--chunk-size", type=int, default=2000, help="Rows per database transaction.")

    def handle(self, *args, movies_csv, credits_csv, chunk_size, verbosity, **options):
        try:
            run = tmdb_import(movies_csv=movies_csv, credits_csv=credits_csv, chunk_size=chunk_size,
                              progress=Progress(self.stderr._out, enabled=verbosity > 0))
        except ApplicationError as exc:
            raise CommandError(exc.message)
        summary, errors = run_report(run)
        if verbosity:
            self.stdout.write(summary)
            if errors:
                self.stderr.write(errors)
