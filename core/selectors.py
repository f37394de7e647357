"""Reads of the model registry, including the cheap per-request "which version is active?"."""
import threading
import time

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
        self._failed = None  # (version, exception) of an artifact that could not be loaded

    def get(self):
        """(model, active-version dict); (None, None) without an active version. A broken
        artifact raises — once per version and retry interval, not by re-reading it per call."""
        active = model_version_active(name=self.name)
        if active is None:
            return None, None
        if active["version"] != self._version:
            with self._lock:
                if active["version"] != self._version:
                    failed = self._failed
                    if failed and failed[0] == active["version"] and time.monotonic() < failed[2]:
                        raise failed[1]
                    try:
                        self._model = self.loader(active["artifact_dir"])
                    except Exception as exc:
                        self._failed = (active["version"], exc, time.monotonic() + self.RETRY_BROKEN_S)
                        raise
                    self._version, self._failed = active["version"], None
        return self._model, active

    RETRY_BROKEN_S = 60.0

    def clear(self):
        with self._lock:
            self._version, self._model = None, None
