"""Generate the deterministic demo catalog and viewers."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from datasets.services.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_seed
from datasets.services.importers.progress import Progress, run_report


class Command(BaseCommand):
    help = ("Generate a deterministic demo: ~1,200 fictional titles, ~300 people, ~200 viewers (demo-viewer-N, "
            "who cannot log in) whose viewing history follows planted tastes, and one account you can log in "
            f"with: username '{DEMO_USERNAME}', password '{DEMO_PASSWORD}'. Same --seed ⇒ same demo; re-running "
            "adds nothing. Do not run it on a production database (the demo password is public).")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the catalog already has titles.")
        parser.add_argument("--titles", type=int, default=1200)
        parser.add_argument("--viewers", type=int, default=200)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, if_empty, titles, viewers, seed, verbosity, **options):
        try:
            run = demo_seed(seed=seed, titles=titles, viewers=viewers, if_empty=if_empty,
                            progress=Progress(self.stderr._out, enabled=verbosity > 0))
        except ApplicationError as exc:
            raise CommandError(exc.message)
        if run is None:
            if verbosity:
                self.stdout.write("The catalog already has titles: demo not generated (--if-empty).")
            return
        if verbosity:
            self.stdout.write(run_report(run)[0])
            self.stdout.write(f"Log in as '{DEMO_USERNAME}' / '{DEMO_PASSWORD}'.")
