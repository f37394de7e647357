"""Reads of the model registry, including the cheap per-request "which version is active?"."""
import threading
import time

from django.core.cache import cache

from core.models import ModelVersion

ACTIVE_CACHE_KEY = "active-model:{name}"  # the shared cache's answer; deleted by core.services on activation
_MISSING = "none"

# The answer is also remembered in this process for a second: every recommendation request asks,
# and a shared-cache round trip costs more than the scoring of a small history. An activation is
# seen at once by the process that made it (`forget_active`) and within a second by the others.
LOCAL_TTL_S = 1.0
_local: dict[str, tuple[float, dict | None]] = {}


def model_version_active(*, name: str) -> dict | None:
    """{id, version, artifact_dir, checksum, trained_at} of the active version, or None."""
    now = time.monotonic()
    hit = _local.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    key = ACTIVE_CACHE_KEY.format(name=name)
    mv = cache.get(key)
    if mv is None:
        mv = ModelVersion.objects.filter(name=name, is_active=True).values(
            "id", "version", "artifact_dir", "checksum", "trained_at").first()
        cache.set(key, mv or _MISSING, 30)
    mv = None if mv == _MISSING else mv
    _local[name] = (now + LOCAL_TTL_S, mv)
    return mv


def forget_active(name: str | None = None) -> None:
    """Drop this process's memory of the active version (of `name`, or of every model)."""
    if name is None:
        _local.clear()
    else:
        _local.pop(name, None)


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
