"""The catalog's signals: the title cache's receivers, and what the catalog announces.

* The receivers keep this process's title cache (catalog.selectors.titles_by_ids_cached) in step
  with writes.
* `titles_merging(sender, keep_id, drop_id)` — sent inside the transaction of
  `catalog.services.resolution.title_merge`, before the rows pointing at the dropped title are
  moved to the kept one: an app whose table cannot hold both (one row per viewer and title)
  folds the two rows into the kept title's and deletes the dropped title's. Other apps
  subscribe in their `AppConfig.ready`.
"""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from catalog.models import Title

titles_merging = Signal()


@receiver(post_save, sender=Title)
@receiver(post_delete, sender=Title)
def _title_changed(sender, instance, **kwargs):
    from catalog.selectors import title_cache_evict

    title_cache_evict(ids=[instance.pk])


@receiver(m2m_changed, sender=Title.genres.through)
def _title_genres_changed(sender, instance, reverse, pk_set, **kwargs):
    from catalog.selectors import title_cache_evict

    if kwargs.get("action", "").startswith("post_"):
        # forward: one title's genres changed; reverse: a genre's titles changed
        title_cache_evict(ids=list(pk_set or []) if reverse else [instance.pk])
