"""`manage.py evaluate_recommender --ratings FILE [--items FILE] --json OUT [--cold-start] [--by user|item]`

The public Recommenders benchmark protocol (75/25 random split stratified per user, seed 42,
k = 10, seen items removed, every test rating relevant) for the hybrid model and the baselines
(most-popular, item-kNN cosine, LightFM alone, EASE alone); with --cold-start, ranking AUC on
20 % of the items held out entirely (hybrid with item features vs ID-only LightFM).
No database access.
"""
import json
import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.ml.data import DataFormatError, item_feature_strings, read_items, read_ratings, sibling_items_path
from recommendations.ml.evaluate import evaluate_cold_start, evaluate_split


class Command(BaseCommand):
    help = ("Evaluate the hybrid recommender and its baselines on a MovieLens-layout ratings file "
            "(precision/recall/nDCG/MAP@k, catalog coverage, training time) and optionally the cold start.")
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--ratings", required=True, help="ratings.csv, u.data or ratings.dat")
        parser.add_argument("--items", help="movies.csv / u.item / movies.dat (default: the file next to --ratings)")
        parser.add_argument("--json", dest="json_out", required=True, help="write the results to this JSON file")
        parser.add_argument("--by", choices=["user", "item"], default="user", help="stratify the split per user/item")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--cold-start", action="store_true", help="also run the cold-start evaluation")
        parser.add_argument("--cold-fraction", type=float, default=0.2)
        parser.add_argument("--no-search", action="store_true", help="skip the validation search (defaults)")

    def handle(self, *args, **o):
        if o["k"] < 1:
            raise CommandError("--k must be at least 1")
        started = time.perf_counter()
        try:
            table = read_ratings(o["ratings"])
            items_path = o["items"] or sibling_items_path(o["ratings"])
            features = item_feature_strings(read_items(items_path)) if items_path else None
        except DataFormatError as exc:
            raise CommandError(str(exc)) from None
        say = self.stderr.write if o["verbosity"] >= 2 else None
        result = {"ratings": o["ratings"], "items": items_path}
        result["split"] = evaluate_split(table, item_features=features, by=o["by"], seed=o["seed"], k=o["k"],
                                         search=not o["no_search"], log=say)
        if o["cold_start"]:
            result["cold_start"] = evaluate_cold_start(table, item_features=features, fraction=o["cold_fraction"],
                                                       seed=o["seed"])
        result["seconds"] = time.perf_counter() - started
        try:
            with open(o["json_out"], "w", encoding="utf-8") as fh:
                json.dump(result, fh, indent=1, default=float)
        except OSError as exc:
            raise CommandError(f"{o['json_out']}: {exc.strerror or exc}") from None
        if o["verbosity"]:
            k = o["k"]
            p = result["split"]["protocol"]
            self.stdout.write(f"{p['split']}, seed {p['seed']}: train {p['train']}, test {p['test']}, "
                              f"{p['test_users']} users, k={k}")
            for name, m in result["split"]["models"].items():
                self.stdout.write(f"{name:13s} P@{k} {m['precision']:.4f}  R@{k} {m['recall']:.4f}  "
                                  f"nDCG@{k} {m['ndcg']:.4f}  MAP@{k} {m['map']:.4f}  coverage {m['coverage']:.3f}  "
                                  f"train {m['train_seconds']:.1f}s")
            if "cold_start" in result:
                c = result["cold_start"]
                self.stdout.write(f"cold start: {c['protocol']['held_out_items']} held-out items, "
                                  f"{c['protocol']['users']} users")
                for name, m in c["models"].items():
                    self.stdout.write(f"{name:16s} AUC {m['auc']:.4f}  ({m['users']} users, train {m['train_seconds']:.1f}s)")
