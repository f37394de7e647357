"""Every read of the interactions app."""
from django.db.models import QuerySet

from accounts.models import Profile
from catalog.models import Title
from interactions.models import Event, Interaction


def history_list(*, user) -> QuerySet[Interaction]:
    """The viewer's history (hidden titles excluded), most recent first, with each title."""
    return (Interaction.objects.filter(user=user, hidden=False)
            .select_related("title").order_by("-last_at", "-id"))


def interaction_get(*, user, title_id: int) -> Interaction | None:
    return Interaction.objects.filter(user=user, title_id=title_id).first()


def event_list(*, user=None, title_id: int | None = None) -> QuerySet[Event]:
    qs = Event.objects.all()
    if user is not None:
        qs = qs.filter(user=user)
    if title_id is not None:
        qs = qs.filter(title_id=title_id)
    return qs.order_by("-server_ts", "-id")


def title_ids_by_netflix_id(*, netflix_ids) -> dict[int, int]:
    """{Netflix Prize MovieID: Title.id} for the ids present in the catalog (one query)."""
    ids = [int(x) for x in netflix_ids if 0 < int(x) < 2**31]
    if not ids:
        return {}
    return dict(Title.objects.filter(netflix_id__in=ids).values_list("netflix_id", "id"))


def user_ids_by_netflix_customer_id(*, customer_ids) -> dict[int, int]:
    """{Netflix Prize customer id: user id} for the known viewers (one query)."""
    ids = [int(x) for x in customer_ids if 0 < int(x) < 2**63]
    if not ids:
        return {}
    return dict(Profile.objects.filter(netflix_customer_id__in=ids).values_list("netflix_customer_id", "user_id"))


def stream_simulation_sources(*, limit: int = 2000) -> tuple[list[tuple], list[int], bool]:
    """(titles as (movie_id, year, name), customer ids, mapped) for the stream simulator.

    Prefers titles with a Netflix Prize MovieID and viewers with a Netflix customer id
    (`mapped` = True: the consumer will map every row). Without any, falls back to catalog
    primary keys and user ids (`mapped` = False: the consumer will count them as unknown).
    """
    titles = list(Title.objects.filter(netflix_id__isnull=False).order_by("netflix_id")
                  .values_list("netflix_id", "start_year", "primary_title")[:limit])
    customers = list(Profile.objects.filter(netflix_customer_id__isnull=False).order_by("netflix_customer_id")
                     .values_list("netflix_customer_id", flat=True)[:limit])
    mapped = bool(titles) and bool(customers)
    if not titles:
        titles = list(Title.objects.order_by("id").values_list("id", "start_year", "primary_title")[:limit])
    if not customers:
        customers = list(Profile.objects.order_by("user_id").values_list("user_id", flat=True)[:limit])
    return titles, customers, mapped
