from django.contrib import admin

from interactions.models import Event, Interaction


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The log is append-only: events can be browsed, never edited or added by hand."""

    list_display = ("server_ts", "user", "title", "kind", "value", "source", "event_id")
    list_filter = ("kind", "source")
    search_fields = ("=event_id", "user__username", "title__primary_title")
    raw_id_fields = ("user", "title")
    list_select_related = ("user", "title")
    date_hierarchy = "server_ts"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Aggregates are derived from the log (interactions.services.events): read-only here."""

    list_display = ("user", "title", "weight", "implicit_score", "full_watches", "rating", "event_count",
                    "last_at", "hidden")
    list_filter = ("hidden",)
    search_fields = ("user__username", "title__primary_title")
    raw_id_fields = ("user", "title")
    list_select_related = ("user", "title")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
