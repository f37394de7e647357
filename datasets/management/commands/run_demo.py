"""`make demo`: the real-time loop end to end, printed as a timeline (docs/demo.md)."""
import contextlib
import logging

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.realtime_demo import demo_run

# What the loop's own code logs at INFO (each poll, the model load, Celery's eager trace, kombu's
# "no hostname" for the in-memory broker) repeats the timeline: shown with -v 2 only.
CHATTY_LOGGERS = ("interactions.services.stream", "recommendations.serving", "celery.app.trace", "kombu.connection")


@contextlib.contextmanager
def _quiet(names, level=logging.ERROR):
    loggers = [logging.getLogger(n) for n in names]
    old = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, lvl in zip(loggers, old, strict=True):
            lg.setLevel(lvl)


class Command(BaseCommand):
    help = ("Run the real-time loop once, visibly: the watch-stream simulator on a free local port, the consumer, "
            "a viewer's top picks, a finished film recorded through the events service, the refresh it triggers "
            "(Celery), the new 'Because you watched' list and its notification. Prints a timeline.")

    def add_arguments(self, parser):
        parser.add_argument("--user", default="demo", help="Viewer's username (default: demo, created by seed_demo).")
        parser.add_argument("--title", type=int, default=None,
                            help="Catalog id of the film the viewer finishes (default: their current #1 pick).")
        parser.add_argument("--no-stream", dest="stream", action="store_false",
                            help="Skip the stream simulator and consumer.")
        parser.add_argument("--rows", type=int, default=20, help="Stream rows per response (default 20).")
        parser.add_argument("--polls", type=int, default=2,
                            help="Consumer polls of the same simulated snapshot (default 2: the second shows the "
                                 "duplicates).")
        parser.add_argument("--seed", type=int, default=0, help="Simulator seed (default 0).")
        parser.add_argument("--wait", type=float, default=30.0,
                            help="Seconds to wait for the refresh when a worker runs it (default 30).")

    def handle(self, *args, user, title, stream, rows, polls, seed, wait, verbosity=1, **options):
        if rows < 1 or polls < 1 or wait <= 0:
            raise CommandError("--rows and --polls must be ≥ 1 and --wait > 0.")

        def show(step):
            self.stdout.write(f"[+{step.at_s:.3f}s] {step.text} ({step.ms:.0f} ms)")
            for line in step.details:
                self.stdout.write(f"            {line}")

        quiet = _quiet(CHATTY_LOGGERS) if verbosity < 2 else contextlib.nullcontext()
        try:
            with quiet:
                result = demo_run(username=user, title_id=title, stream=stream, rows=rows, polls=polls, seed=seed,
                                  wait_s=wait, on_step=show)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        if not result.excluded:
            raise CommandError("the finished film is still recommended: the refresh did not exclude it")
        self.stdout.write(self.style.SUCCESS(f"done in {result.total_s:.2f} s"))
