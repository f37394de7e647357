"""`manage.py analytics_report --out DIR`: every chart as static HTML (+ PNG) and a summary.md."""
from django.core.management.base import BaseCommand, CommandError

from analytics import services
from analytics.filters import catalog_filters_parse, viewing_filters_parse
from core.errors import ValidationFailed


class Command(BaseCommand):
    help = ("Write the analytics charts as self-contained HTML files (plotly.min.js copied next to them), PNG "
            "images when Chromium is installed, and summary.md with each chart's reading and key numbers.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Output folder (created if missing).")
        parser.add_argument("--year-min", type=str)
        parser.add_argument("--year-max", type=str)
        parser.add_argument("--type", type=str, help="IMDb title type (movie, tvSeries, …)")
        parser.add_argument("--genre", type=str, help="Genre slug")
        parser.add_argument("--days", type=str, default="30", help="Viewing window in days (default 30)")
        parser.add_argument("--no-png", action="store_true", help="Skip PNG rendering")

    def handle(self, *args, **o):
        try:
            cfilters, _ = catalog_filters_parse({"year_min": o["year_min"], "year_max": o["year_max"],
                                                 "type": o["type"], "genre": o["genre"]})
            vfilters = viewing_filters_parse({"days": o["days"]})
        except ValidationFailed as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"Writing the analytics report to {o['out']} …")
        result = services.analytics_report_write(out_dir=o["out"], catalog_filters=cfilters, viewing_filters=vfilters,
                                                 png=not o["no_png"], stdout=self.stdout)
        if result["png_skipped_reason"]:
            self.stdout.write(self.style.WARNING(f"PNG images skipped: {result['png_skipped_reason']}"))
        self.stdout.write(self.style.SUCCESS(
            f"{len(result['charts'])} charts written to {result['out_dir']} (index.html, summary.md"
            f"{', PNG images' if result['png'] else ''})."))
