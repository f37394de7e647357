"""The site's own star ratings: a viewer rates a title (a `rating` event through `events_record`)."""
from __future__ import annotations

import uuid

from catalog.models import Title
from core.errors import NotFound, ValidationFailed
from interactions.models import EventKind, EventSource, Interaction
from interactions.services.event_validation import _as_int
from interactions.services.events import events_record


def rating_set(*, user, title_id: int, stars: float, source: str = EventSource.WEB) -> Interaction:
    """The site's own star rating (0.5–5 in 0.5 steps): a `rating` event through events_record."""
    if _as_int(title_id, "title_id") is None or not Title.objects.filter(id=title_id).exists():
        raise NotFound(f"No title with id {title_id}.")
    try:
        events_record(events=[{"event_id": uuid.uuid4(), "title_id": title_id, "kind": EventKind.RATING,
                               "value": stars}], actor=user, source=source)
    except ValidationFailed as exc:
        msgs = exc.errors.get(0, {}).get("value") or ["Invalid rating."]
        raise ValidationFailed("Invalid rating.", errors={"stars": msgs})
    return Interaction.objects.get(user=user, title_id=title_id)
