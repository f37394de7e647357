"""Keep this process's title cache (catalog.selectors.titles_by_ids_cached) in step with writes."""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from catalog.models import Title


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
