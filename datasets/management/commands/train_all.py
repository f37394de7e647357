"""Train every model that can be trained on the current database (used by `make run`)."""
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Train the recommender and the popularity model when there is data for them."

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true", help="skip a model that already has an active version")

    def handle(self, *args, if_missing=False, verbosity=1, **opts):
        from core.selectors import model_version_active

        for name, command in (("recommender", "train_recommender"), ("popularity", "train_popularity")):
            if if_missing and model_version_active(name=name):
                self.stdout.write(f"{name}: an active version exists, skipped")
                continue
            self.stdout.write(f"== training {name}")
            try:
                call_command(command, verbosity=verbosity)
            except CommandError as exc:
                self.stderr.write(self.style.WARNING(f"{name}: {exc}"))
