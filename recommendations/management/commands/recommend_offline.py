"""`manage.py recommend_offline --ratings FILE [--items FILE] --users FILE --k 10 --out FILE`

Trains the hybrid recommender (same pipeline and hyper-parameter search as production) on a
ratings file and writes `user_id,item_id,rank` for each listed user. No database access.
"""
import time

from recommendations.management.offline_command import OfflineCommand
from recommendations.ml.offline import recommend_offline


class Command(OfflineCommand):
    help = ("Train the hybrid recommender on a MovieLens-layout ratings file and write the top-k items "
            "(user_id,item_id,rank; rank 1 = best) of every user listed in --users. Items a user rated are "
            "excluded; users absent from the ratings get the most popular items.")

    def add_arguments(self, parser):
        self.add_file_arguments(parser)
        parser.add_argument("--users", required=True, help="user ids, one per line")

    def handle(self, *args, **o):
        started = time.perf_counter()
        verbose = o["verbosity"] >= 2

        def on_epoch(epoch, info):
            if verbose:
                extra = f" validation nDCG@10 {info['ndcg@10']:.4f}" if "ndcg@10" in info else ""
                self.stderr.write(f"  [{info.get('stage', '')}] epoch {epoch}{extra}")

        summary = self.run_offline(o, lambda: recommend_offline(
            o["ratings"], o["users"], o["out"], items_path=o["items"], k=o["k"], search=not o["no_search"],
            on_epoch=on_epoch, log=(lambda m: self.stderr.write(m)) if verbose else None))
        if o["verbosity"]:
            self.stdout.write(
                f"wrote {summary['rows']} rows for {summary['users']} users ({summary['known_users']} personalised, "
                f"{summary['popular_fallback']} most-popular) to {o['out']} in {time.perf_counter() - started:.1f}s")
