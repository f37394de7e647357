"""What `recommend_offline` and `liked_offline` share: the file arguments, the checks on them and
the translation of data errors into a command error naming the file, line and field."""
from django.core.management.base import BaseCommand, CommandError

from recommendations.ml.data import DataFormatError


class OfflineCommand(BaseCommand):
    """A command that trains on files, not on the database (no system or migration checks)."""

    requires_system_checks = []
    requires_migrations_checks = False
    default_k = 10

    def add_file_arguments(self, parser):
        parser.add_argument("--ratings", required=True,
                            help="ratings.csv (userId,movieId,rating[,timestamp]), u.data or ratings.dat")
        parser.add_argument("--items", help="movies.csv / u.item / movies.dat (default: the file next to --ratings)")
        parser.add_argument("--k", type=int, default=self.default_k)
        parser.add_argument("--out", required=True, help="output CSV")
        parser.add_argument("--no-search", action="store_true", help="skip the validation search (defaults)")

    def run_offline(self, options, fn):
        """``fn()`` with --k checked and file/data errors turned into a `CommandError`."""
        if options["k"] < 1:
            raise CommandError("--k must be at least 1")
        try:
            return fn()
        except DataFormatError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
