"""Serve a local "users currently watching" API in the real stream's exact format."""
from django.core.management.base import BaseCommand, CommandError

from interactions.selectors import stream_simulation_sources
from interactions.services.stream import STREAM_PATH, SimulatedStream, simulator_server


class Command(BaseCommand):
    help = ("Serve GET /users-currently-watching-movie (a JSON string encoding a pandas split frame) with "
            "random but seeded rows drawn from the catalog's Netflix Prize titles and customers.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--rows", type=int, default=20, help="Rows per response (default 20).")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument("--hold", type=float, default=0.0,
                            help="Keep the same snapshot for S seconds (default 0: new rows on every request).")

    def handle(self, *args, host, port, rows, seed, hold, **options):
        if rows < 1:
            raise CommandError("--rows must be ≥ 1")
        titles, customers, mapped = stream_simulation_sources()
        if not titles or not customers:
            raise CommandError("The catalog has no titles or no viewers to simulate (run `make demo-data`).")
        if not mapped:
            self.stderr.write("No titles with a netflix_id and/or no viewers with a netflix_customer_id: serving "
                              "catalog ids and user ids instead — the consumer will count those rows as unknown.")
        stream = SimulatedStream(titles=titles, customers=customers, rows=rows, seed=seed, hold=hold)
        try:
            server = simulator_server(stream, host=host, port=port)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}")
        h, p = server.server_address[:2]
        self.stdout.write(f"serving {len(titles)} titles × {len(customers)} customers, {rows} rows per response, "
                          f"seed {seed} at http://{h}:{p}{STREAM_PATH} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            self.stdout.write(f"served {stream.requests} request(s)")
