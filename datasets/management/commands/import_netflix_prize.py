"""Import the Netflix Prize movie titles and rating files."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.importers.netflix import netflix_import
from datasets.services.importers.progress import Progress, run_report


class Command(BaseCommand):
    help = ("Import Netflix Prize data: --titles movie_titles.csv (latin-1, no header) and rating files in either "
            "layout (combined_data_N.txt[.gz] or training_set/mv_NNNNNNN.txt). Ratings become rating events of "
            "viewers keyed by Netflix customer id (created as needed). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--titles", dest="titles_path", default=None, metavar="movie_titles.csv")
        parser.add_argument("ratings", nargs="*", metavar="RATINGS_FILE")
        parser.add_argument("--chunk-size", type=int, default=None,
                            help="Ratings per database transaction (default 200,000 on PostgreSQL, 20,000 on SQLite).")

    def handle(self, *args, titles_path, ratings, chunk_size, verbosity, **options):
        if not titles_path and not ratings:
            raise CommandError("Nothing to import: give --titles movie_titles.csv and/or rating files.")
        try:
            run = netflix_import(titles_path=titles_path, ratings_paths=ratings, ratings_chunk_size=chunk_size,
                                 progress=Progress(self.stderr._out, enabled=verbosity > 0))
        except ApplicationError as exc:
            raise CommandError(exc.message)
        summary, errors = run_report(run)
        if verbosity:
            self.stdout.write(summary)
            if errors:
                self.stderr.write(errors)
