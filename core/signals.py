"""Project-wide announcements (core is the bottom layer: every app may send them).

* `data_changed(sender, warm=False)` — the catalog or a model changed (an import finished, a
  model was trained). The analytics app subscribes (`analytics.apps`) and makes its cached KPIs
  stale; `warm=True` asks for the default dashboard to be recomputed now by a worker. The
  senders (importers, trainers) do not import analytics, which reads their apps.
* `training_requested(sender, name, reason)` — someone (the API, an operator) asks for a training
  of the model `name` ("recommender", "popularity"). The app that owns that model answers by
  queueing the training after commit and returns True (`recommendations.receivers`,
  `popularity.receivers`): the registry of model versions lives here, the models above.
"""
from django.dispatch import Signal

data_changed = Signal()
training_requested = Signal()
