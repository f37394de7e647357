"""List the titles that look like one work but were not merged automatically; merge on demand.

    manage.py catalog_duplicates                 # the review report (ambiguous groups)
    manage.py catalog_duplicates --merge         # merge every unambiguous twin (catalogs imported
                                                 # before resolution existed) and report the rest
    manage.py catalog_duplicates --merge-ids KEEP DROP   # a person's decision: DROP becomes KEEP
"""
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Title
from catalog.services.resolution import match_keys_backfill, title_duplicates, title_merge, titles_resolve


class Command(BaseCommand):
    help = "Report (and optionally merge) titles that are one work imported from several sources."

    def add_arguments(self, parser):
        parser.add_argument("--merge", action="store_true", help="merge every unambiguous group first")
        parser.add_argument("--merge-ids", nargs=2, type=int, metavar=("KEEP", "DROP"),
                            help="merge title DROP into title KEEP")

    def handle(self, *args, merge=False, merge_ids=None, **opts):
        if merge_ids:
            keep, drop = merge_ids
            for pk in (keep, drop):
                if not Title.objects.filter(id=pk).exists():
                    raise CommandError(f"no title with id {pk}")
            try:
                t = title_merge(keep_id=keep, drop_id=drop)
            except ValueError as exc:
                raise CommandError(str(exc))
            self.stdout.write(f"title {drop} merged into {keep} ({t})")
            return
        if merge:
            filled = match_keys_backfill()
            res = titles_resolve(merge=True)
            merged = sum(len(ids) - 1 for ids in res.merges)
            self.stdout.write(f"{filled:,} match key(s) filled; {merged:,} title(s) merged in "
                              f"{len(res.merges):,} group(s)")
        groups = title_duplicates()
        if not groups:
            self.stdout.write("no ambiguous duplicates")
            return
        self.stdout.write(f"{len(groups):,} group(s) need a decision (merge with --merge-ids KEEP DROP "
                          "or in the admin: Titles → select two → Merge):")
        for g in groups:
            self.stdout.write(f"- {g['reason']}:")
            for t in g["titles"]:
                ids = ", ".join(f"{f}={t[f]}" for f in ("imdb_id", "tmdb_id", "movielens_id", "netflix_id") if t[f])
                self.stdout.write(f"    #{t['id']} {t['primary_title']} ({t['start_year']}, {t['title_type']}, "
                                  f"{t['runtime_minutes'] or '?'} min) {ids}")
