"""`manage.py popularity_offline --train FILE --predict FILE --out FILE`

Trains the popularity (rating) pipeline on a neutral-layout CSV and writes
``title,prediction,low,high`` for every row of the predict CSV, in input order.  No database access.
"""
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from popularity.ml.csv_io import CSVError, read_records, write_predictions
from popularity.ml.estimator import DEFAULT_N_SEEDS
from popularity.ml.model import train
from popularity.ml.schema import RecordError


class Command(BaseCommand):
    help = ("Train the film-rating model on a CSV in the neutral layout (title,type,year,runtime,budget,genres,"
            "directors,writers,producers,actors,country,language,rating; '|' between list items) and write "
            "title,prediction,low,high for each row of the predict CSV. Does not touch the database.")
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="Training CSV (rating required on every row).")
        parser.add_argument("--predict", required=True, help="CSV of films to estimate (rating column ignored).")
        parser.add_argument("--out", required=True, help="Output CSV: title,prediction,low,high.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument("--search", action="store_true",
                            help="Choose the booster settings by 5-fold CV over the small search grid "
                                 "(slower; by default the documented defaults are used).")
        parser.add_argument("--n-seeds", type=int, default=DEFAULT_N_SEEDS,
                            help=f"Pipelines averaged in the final model (default {DEFAULT_N_SEEDS}).")
        parser.add_argument("--coverage", type=float, default=0.8,
                            help="Nominal coverage of the [low, high] interval (default 0.8).")

    def handle(self, *args, **o):
        started = time.perf_counter()
        if not 0 < o["coverage"] < 1:
            raise CommandError("--coverage must be between 0 and 1")
        if o["n_seeds"] < 1:
            raise CommandError("--n-seeds must be at least 1")
        try:
            train_records = read_records(o["train"], require_rating=True)
            predict_records = read_records(o["predict"])
        except CSVError as exc:
            raise CommandError(str(exc)) from None
        if len(train_records) < 10:
            raise CommandError(f"{o['train']}: need at least 10 rated rows to train, got {len(train_records)}")
        verbose = o["verbosity"] >= 2

        def progress(stage, done, total):
            if verbose:
                self.stderr.write(f"  {stage} {done}/{total} ({time.perf_counter() - started:.1f}s)")

        try:
            model = train(train_records, seed=o["seed"], search=o["search"], n_seeds=o["n_seeds"],
                          coverage=o["coverage"], progress=progress)
            pred, low, high = model.predict(predict_records)
        except RecordError as exc:
            raise CommandError(str(exc)) from None
        try:
            write_predictions(o["out"], [r["title"] for r in predict_records], pred, low, high)
        except OSError as exc:
            raise CommandError(f"{o['out']}: cannot write ({exc.strerror or exc})") from None
        m = model.metrics or {}
        if o["verbosity"] >= 1:
            self.stdout.write(
                f"trained on {model.n_train} films (CV R2 {m.get('r2', float('nan')):.3f}, "
                f"MAE {m.get('mae', float('nan')):.3f}); wrote {len(pred)} predictions with "
                f"{model.interval['coverage']:.0%} intervals to {o['out']} "
                f"in {time.perf_counter() - started:.1f}s")
        sys.stdout.flush()
