"""Create (or reuse) a service account allowed to post events for any viewer; print its token."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import ValidationFailed
from interactions.services.tokens import service_token_create


class Command(BaseCommand):
    help = ("Create a service account NAME with the permission accounts.post_events_for_any_user and print its "
            "API token (use it as `Authorization: Token <key>` on POST /api/events/ with `user_id`).")

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            self.stdout.write(service_token_create(name=name))
        except ValidationFailed as exc:
            raise CommandError(f"{exc.message} {exc.errors}")
