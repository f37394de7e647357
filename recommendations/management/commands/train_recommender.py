from django.core.management.base import BaseCommand, CommandError

from recommendations.services.recommender import NotEnoughData, recommender_train


class Command(BaseCommand):
    help = ("Train the hybrid recommender on the database (same service as the Celery task), evaluate it "
            "against most-popular and item-kNN, and activate it if it passes the quality gate.")

    def add_arguments(self, parser):
        parser.add_argument("--no-search", action="store_true",
                            help="skip the hyper-parameter search (use the defaults)")

    def handle(self, *args, no_search=False, verbosity=1, **opts):
        say = (lambda m: self.stdout.write(m)) if verbosity else (lambda m: None)
        try:
            mv = recommender_train(triggered_by="manage.py", search=not no_search, progress=say)
        except NotEnoughData as exc:
            raise CommandError(f"not enough data to train: {exc}")
        if not mv.is_active:
            self.stderr.write(self.style.WARNING(f"version {mv.version} was not activated (quality gate)"))
        else:
            say(self.style.SUCCESS(f"version {mv.version} is active"))
