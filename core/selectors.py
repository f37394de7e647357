"""Reads of the model registry, including the cheap per-request "which version is active?"."""
import threading

from django.core.cache import cache

from core.models import ModelVersion
from core.services import ACTIVE_CACHE_KEY

_MISSING = "none"


def model_version_active(*, name: str) -> dict | None:
    """{id, version, artifact_dir, checksum} of the active version, or None. One cache GET."""
    key = ACTIVE_CACHE_KEY.format(name=name)
    hit = cache.get(key)
    if hit == _MISSING:
        return None
    if hit is not None:
        return hit
    mv = ModelVersion.objects.filter(name=name, is_active=True).values(
        "id", "version", "artifact_dir", "checksum", "trained_at").first()
    cache.set(key, mv or _MISSING, 30)
    return mv


def model_versions(*, name: str | None = None):
    qs = ModelVersion.objects.all()
    if name:
        qs = qs.filter(name=name)
    return qs.order_by("-created_at")


class ProcessModelCache:
    """Holds the loaded active model of one kind in this process, reloaded when it changes.

    Web and worker processes each keep one copy (loaded once, never per request); the active
    version is checked with one cache GET per call.
    """

    def __init__(self, name, loader):
        self.name, self.loader = name, loader
        self._lock = threading.Lock()
        self._version = None
        self._model = None

    def get(self):
        active = model_version_active(name=self.name)
        if active is None:
            return None, None
        if active["version"] != self._version:
            with self._lock:
                if active["version"] != self._version:
                    self._model = self.loader(active["artifact_dir"])
                    self._version = active["version"]
        return self._model, active

    def clear(self):
        with self._lock:
            self._version, self._model = None, None
