"""Poll the real-time "currently watching" API and record each row as a `play` event."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interactions.services.stream import stream_consume


class Command(BaseCommand):
    help = ("Poll a 'users currently watching' API (double-JSON-encoded pandas split frame) and record each "
            "row as an idempotent `play` event. Failed polls back off exponentially (capped) and retry.")

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.NETFLOOX_STREAM_URL,
                            help="Stream URL (default: NETFLOOX_STREAM_URL), e.g. "
                                 "http://127.0.0.1:8001/users-currently-watching-movie")
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between polls (default 10).")
        parser.add_argument("--once", action="store_true", help="Poll once and exit (non-zero if it failed).")
        parser.add_argument("--max-polls", type=int, default=None, help="Stop after N polls (default: forever).")
        parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout in seconds (default 10).")
        parser.add_argument("--max-backoff", type=float, default=300.0,
                            help="Cap of the exponential back-off after failures, in seconds (default 300).")
        parser.add_argument("--no-create-viewers", dest="create_viewers", action="store_false",
                            help="Count and skip unknown Netflix customers instead of creating them as viewers.")

    def handle(self, *args, url, interval, once, max_polls, timeout, max_backoff, create_viewers, **options):
        if not url:
            raise CommandError("No stream URL: pass --url or set NETFLOOX_STREAM_URL.")
        if interval < 0 or (max_polls is not None and max_polls < 1) or timeout <= 0:
            raise CommandError("--interval must be ≥ 0, --max-polls ≥ 1 and --timeout > 0.")
        if once:
            max_polls = 1

        def report(n, result, error, delay):
            if error:
                self.stderr.write(f"poll {n}: FAILED ({error}); next try in {delay:.1f} s")
            else:
                counts = " ".join(f"{k}={v}" for k, v in result.as_dict().items())
                self.stdout.write(f"poll {n}: {counts}")

        try:
            summary = stream_consume(url=url, interval=interval, max_polls=max_polls, timeout=timeout,
                                     max_backoff=max_backoff, create_viewers=create_viewers, on_poll=report)
        except KeyboardInterrupt:
            self.stdout.write("interrupted")
            return
        t = summary.totals
        self.stdout.write(f"{summary.polls} poll(s), {summary.failures} failed: {t.stored} event(s) stored, "
                          f"{t.duplicates} duplicate(s), {t.unknown_movies} unknown movie row(s), "
                          f"{t.unknown_customers} unknown customer row(s), {t.created_viewers} viewer(s) created, "
                          f"{t.invalid} invalid row(s)")
        if summary.succeeded == 0:
            raise CommandError(f"no poll of {url} succeeded ({summary.failures} failure(s))")
