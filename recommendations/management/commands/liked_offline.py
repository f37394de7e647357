"""`manage.py liked_offline --ratings FILE [--items FILE] --queries FILE --k 5 --out FILE`

"Films I liked → k films" from files: trains the hybrid recommender once (the production
pipeline) and answers every query from it. No database access.
"""
import time

from recommendations.management.offline_command import OfflineCommand
from recommendations.ml.offline import liked_offline


class Command(OfflineCommand):
    help = ("Train the recommender once on a ratings file, then for each query of --queries "
            "(CSV query_id,item_ids; ids separated by |) write the k films for someone who liked them "
            "(query_id,item_id,rank; rank 1 = best; never an item of the query).")
    default_k = 5

    def add_arguments(self, parser):
        self.add_file_arguments(parser)
        parser.add_argument("--queries", required=True, help="CSV with header query_id,item_ids (ids separated by |)")

    def handle(self, *args, **o):
        started = time.perf_counter()
        verbose = o["verbosity"] >= 2
        summary = self.run_offline(o, lambda: liked_offline(
            o["ratings"], o["queries"], o["out"], items_path=o["items"], k=o["k"], search=not o["no_search"],
            log=(lambda m: self.stderr.write(m)) if verbose else None))
        if summary["unknown_items"]:
            self.stderr.write(f"{summary['unknown_items']} query item id(s) are not in the ratings: ignored"
                              + (f"; {summary['popular_fallback']} query(ies) had none known and got the most "
                                 "popular items" if summary["popular_fallback"] else ""))
        if o["verbosity"]:
            self.stdout.write(f"wrote {summary['rows']} rows for {summary['queries']} queries to {o['out']} "
                              f"in {time.perf_counter() - started:.1f}s")
