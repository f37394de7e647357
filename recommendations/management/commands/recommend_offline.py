"""`manage.py recommend_offline --ratings FILE [--items FILE] --users FILE --k 10 --out FILE`

Trains the hybrid recommender (same pipeline and hyper-parameter search as production) on a
ratings file and writes `user_id,item_id,rank` for each listed user. No database access.
"""
import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.ml.data import DataFormatError
from recommendations.ml.offline import recommend_offline


class Command(BaseCommand):
    help = ("Train the hybrid recommender on a MovieLens-layout ratings file and write the top-k items "
            "(user_id,item_id,rank; rank 1 = best) of every user listed in --users. Items a user rated are "
            "excluded; users absent from the ratings get the most popular items.")
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--ratings", required=True,
                            help="ratings.csv (userId,movieId,rating[,timestamp]), u.data or ratings.dat")
        parser.add_argument("--items", help="movies.csv / u.item / movies.dat (default: the file next to --ratings)")
        parser.add_argument("--users", required=True, help="user ids, one per line")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--out", required=True, help="output CSV")
        parser.add_argument("--no-search", action="store_true", help="skip the validation search (defaults)")

    def handle(self, *args, **o):
        if o["k"] < 1:
            raise CommandError("--k must be at least 1")
        started = time.perf_counter()
        verbose = o["verbosity"] >= 2

        def on_epoch(epoch, info):
            if verbose:
                extra = f" validation nDCG@10 {info['ndcg@10']:.4f}" if "ndcg@10" in info else ""
                self.stderr.write(f"  [{info.get('stage', '')}] epoch {epoch}{extra}")

        try:
            summary = recommend_offline(o["ratings"], o["users"], o["out"], items_path=o["items"], k=o["k"],
                                        search=not o["no_search"], on_epoch=on_epoch,
                                        log=(lambda m: self.stderr.write(m)) if verbose else None)
        except DataFormatError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
        if o["verbosity"]:
            self.stdout.write(
                f"wrote {summary['rows']} rows for {summary['users']} users ({summary['known_users']} personalised, "
                f"{summary['popular_fallback']} most-popular) to {o['out']} in {time.perf_counter() - started:.1f}s")
