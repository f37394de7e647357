from django.utils import timezone

from core.errors import NotFound
from recommendations.models import Notification


def notification_mark_read(*, user, notification_id: int) -> Notification:
    n = Notification.objects.filter(user=user, pk=notification_id).first()
    if n is None:
        raise NotFound(f"Notification {notification_id} does not exist.")
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n
