from django.core.management.base import BaseCommand, CommandError

from popularity.services import NotEnoughData, popularity_train


class Command(BaseCommand):
    help = "Train the popularity (rating) model on the rated catalog titles (same service as the Celery task)."

    def add_arguments(self, parser):
        parser.add_argument("--no-search", action="store_true", help="skip the hyper-parameter search")

    def handle(self, *args, no_search=False, verbosity=1, **opts):
        say = (lambda m: self.stdout.write(m)) if verbosity else (lambda m: None)
        try:
            mv = popularity_train(triggered_by="manage.py", search=not no_search, progress=say)
        except NotEnoughData as exc:
            raise CommandError(f"not enough data to train: {exc}")
        if not mv.is_active:
            self.stderr.write(self.style.WARNING(f"version {mv.version} was not activated (quality gate)"))
