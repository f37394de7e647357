"""Django admin for catalog managers: titles, people, credits, lookup tables and import runs.

Changelists stay fast on catalogs of millions of rows: related rows are joined or prefetched
(no N+1), titles/people/credits skip the full COUNT(*) (`show_full_result_count=False`), and
foreign keys are edited through raw-id / autocomplete widgets instead of giant <select>s.
"""
from django.contrib import admin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from catalog.models import Company, Country, Credit, Genre, ImportRun, Keyword, Person, Title


class DecadeFilter(admin.SimpleListFilter):
    """Titles by decade of their start year (1920s … 2020s, plus 'unknown')."""

    title = _("decade")
    parameter_name = "decade"
    FIRST, LAST = 1900, 2020

    def lookups(self, request, model_admin):
        out = [(str(d), f"{d}s") for d in range(self.LAST, self.FIRST - 10, -10)]
        return out + [("unknown", _("unknown"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unknown":
            return queryset.filter(start_year__isnull=True)
        if value and value.isdigit():
            d = int(value)
            return queryset.filter(start_year__gte=d, start_year__lt=d + 10)
        return queryset


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    fields = ("person", "category", "ordering", "job", "characters")
    raw_id_fields = ("person",)
    ordering = ("ordering", "id")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class PersonCreditInline(admin.TabularInline):
    model = Credit
    fk_name = "person"
    extra = 0
    fields = ("title", "category", "ordering", "job", "characters")
    raw_id_fields = ("title",)
    ordering = ("-title__start_year", "title_id")
    verbose_name_plural = _("credits")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("title")


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ("primary_title", "start_year", "title_type", "genre_list", "runtime_minutes", "imdb_rating",
                    "imdb_votes", "imdb_id", "tmdb_id", "netflix_id", "movielens_id")
    list_display_links = ("primary_title",)
    list_filter = ("title_type", DecadeFilter, "is_adult", "genres")
    search_fields = ("primary_title", "original_title", "search_title", "=imdb_id", "=tmdb_id", "=netflix_id",
                     "=movielens_id")
    readonly_fields = ("search_title", "match_key", "created_at", "updated_at")
    autocomplete_fields = ("genres", "countries", "companies", "keywords")
    inlines = (CreditInline,)
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-imdb_votes", "id")
    actions = ("merge_titles",)

    @admin.action(description=_("Merge the two selected titles (one work from two sources)"),
                  permissions=("change",))
    def merge_titles(self, request, queryset):
        """The review report's decision (`manage.py catalog_duplicates`): the richer title is kept
        (catalog.services.resolution.keep_rank); the other's ids, blank fields, genres, credits,
        interactions and ratings move to it."""
        from django.contrib import messages

        from catalog.services.resolution import keep_rank, title_merge

        titles = list(queryset)
        if len(titles) != 2:
            self.message_user(request, _("Select exactly two titles to merge."), messages.ERROR)
            return
        keep, drop = sorted(titles, key=keep_rank, reverse=True)
        try:
            title_merge(keep_id=keep.id, drop_id=drop.id)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, _("Merged #%(drop)s into #%(keep)s (%(title)s).")
                          % {"drop": drop.id, "keep": keep.id, "title": keep}, messages.SUCCESS)
    fieldsets = (
        (None, {"fields": ("title_type", "primary_title", "original_title", "search_title", "start_year",
                           "end_year", "runtime_minutes", "is_adult", "release_date", "original_language")}),
        (_("External ids"), {"fields": ("imdb_id", "tmdb_id", "netflix_id", "movielens_id")}),
        (_("Ratings"), {"fields": ("imdb_rating", "imdb_votes", "tmdb_vote_average", "tmdb_vote_count",
                                   "tmdb_popularity")}),
        (_("Description"), {"fields": ("overview", "tagline", "budget", "revenue", "poster_path")}),
        (_("Classification"), {"fields": ("genres", "countries", "companies", "keywords")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("genres", queryset=Genre.objects.only("name")))

    def get_search_results(self, request, queryset, search_term):
        """Searching the numeric ids with text would fail: only digits search them."""
        term = (search_term or "").strip()
        if term and not term.isdigit():
            saved = self.search_fields
            self.search_fields = tuple(f for f in saved if f not in ("=tmdb_id", "=netflix_id", "=movielens_id"))
            try:
                return super().get_search_results(request, queryset, search_term)
            finally:
                self.search_fields = saved
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("genres"))
    def genre_list(self, obj):
        return ", ".join(g.name for g in obj.genres.all())


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "birth_year", "death_year", "primary_profession", "imdb_id", "tmdb_id")
    search_fields = ("name", "search_name", "=imdb_id")
    readonly_fields = ("search_name",)
    inlines = (PersonCreditInline,)
    show_full_result_count = False
    list_per_page = 50
    ordering = ("name", "id")


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ("title", "person", "category", "ordering", "job")
    list_filter = ("category",)
    list_select_related = ("title", "person")
    raw_id_fields = ("title", "person")
    search_fields = ("title__primary_title", "person__name", "=title__imdb_id", "=person__imdb_id")
    show_full_result_count = False
    list_per_page = 50
    ordering = ("title_id", "ordering", "id")


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "tmdb_id")
    search_fields = ("name",)
    show_full_result_count = False


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ("name", "tmdb_id")
    search_fields = ("name",)
    show_full_result_count = False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read-only: import runs are written by the import commands only."""

    list_display = ("id", "source", "status", "started_at", "duration_s", "rows_read", "rows_inserted",
                    "rows_updated", "rows_unchanged", "rows_rejected", "rows_skipped")
    list_filter = ("source", "status")
    ordering = ("-started_at",)
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
