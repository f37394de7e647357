"""Writes of the recommendations app (re-exported for callers)."""
from recommendations.services.notifications import notification_mark_read  # noqa: F401
from recommendations.services.training import training_enqueue  # noqa: F401
