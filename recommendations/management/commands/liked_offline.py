"""`manage.py liked_offline --ratings FILE [--items FILE] --queries FILE --k 5 --out FILE`

"Films I liked → k films" from files: trains the hybrid recommender once (the production
pipeline) and answers every query from it. No database access.
"""
import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.ml.data import DataFormatError
from recommendations.ml.offline import liked_offline


class Command(BaseCommand):
    help = ("Train the recommender once on a ratings file, then for each query of --queries "
            "(CSV query_id,item_ids; ids separated by |) write the k films for someone who liked them "
            "(query_id,item_id,rank; rank 1 = best; never an item of the query).")
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--ratings", required=True,
                            help="ratings.csv (userId,movieId,rating[,timestamp]), u.data or ratings.dat")
        parser.add_argument("--items", help="movies.csv / u.item / movies.dat (default: the file next to --ratings)")
        parser.add_argument("--queries", required=True, help="CSV with header query_id,item_ids (ids separated by |)")
        parser.add_argument("--k", type=int, default=5)
        parser.add_argument("--out", required=True, help="output CSV")
        parser.add_argument("--no-search", action="store_true", help="skip the validation search (defaults)")

    def handle(self, *args, **o):
        if o["k"] < 1:
            raise CommandError("--k must be at least 1")
        started = time.perf_counter()
        verbose = o["verbosity"] >= 2
        try:
            summary = liked_offline(o["ratings"], o["queries"], o["out"], items_path=o["items"], k=o["k"],
                                    search=not o["no_search"],
                                    log=(lambda m: self.stderr.write(m)) if verbose else None)
        except DataFormatError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
        if summary["unknown_items"]:
            self.stderr.write(f"{summary['unknown_items']} query item id(s) are not in the ratings: ignored"
                              + (f"; {summary['popular_fallback']} query(ies) had none known and got the most "
                                 "popular items" if summary["popular_fallback"] else ""))
        if o["verbosity"]:
            self.stdout.write(f"wrote {summary['rows']} rows for {summary['queries']} queries to {o['out']} "
                              f"in {time.perf_counter() - started:.1f}s")
