"""What the interactions app announces; other apps subscribe in their `AppConfig.ready`.

`interactions` depends on nobody above it: it records what viewers did and says so. The
recommender (`recommendations.apps.RecommendationsConfig.ready`) listens and decides what to do
(refresh a viewer's lists, retrain). With no receiver connected, recording events still works.

* `films_finished(sender, requests={user_id: title_id})` — inside the transaction that stored
  the batch's new `full_watch` events (receivers may write, e.g. a pending-refresh row, and
  defer work with `transaction.on_commit`); sorted by viewer, the lock order. A receiver's
  error aborts the batch, as any other write of it would.
* `history_changed(sender, user_id)` — a viewer hid a title from their history (same transaction).
* `retrain_wanted(sender, reason)` — after commit, enough new interactions have arrived since
  the last training; a receiver returns True when it requested a training. Robust: a receiver's
  error is logged and never breaks ingestion (the counter is kept for the next attempt).
"""
from django.dispatch import Signal

films_finished = Signal()
history_changed = Signal()
retrain_wanted = Signal()
