"""A viewer's history: hiding a title from it (the aggregate is hidden, the events stay)."""
from __future__ import annotations

from django.db import transaction

from core.errors import NotFound
from interactions import signals
from interactions.models import Interaction
from interactions.services.event_validation import _as_int


@transaction.atomic
def interaction_hide(*, user, title_id: int) -> None:
    """Remove a title from the viewer's history: the aggregate is hidden (excluded from the
    history, from training and from serving), the events stay — the log is append-only.
    A later event on the same title un-hides it. The viewer's recommendations are refreshed."""
    if _as_int(title_id, "title_id") is None:
        raise NotFound(f"No title with id {title_id} in your history.")
    n = Interaction.objects.filter(user=user, title_id=title_id).update(hidden=True)
    if not n:
        raise NotFound(f"No title with id {title_id} in your history.")
    signals.history_changed.send(sender=interaction_hide, user_id=user.pk)
