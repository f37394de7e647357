"""Model-version lifecycle: start → finish (quality gate) → activate; or fail.

At most one active version per model name (a DB constraint); promotion only through
`model_version_activate`, which the training services call only when the gate passed.
"""
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.errors import ValidationFailed
from core.models import ModelVersion
from core.selectors import ACTIVE_CACHE_KEY, forget_active
from core.signals import training_requested

log = logging.getLogger(__name__)


def artifact_root(*, name: str) -> Path:
    return Path(settings.ML_ARTIFACTS_DIR) / name


def model_version_start(*, name: str, params: dict | None = None, triggered_by: str = "") -> ModelVersion:
    version = timezone.now().strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    return ModelVersion.objects.create(name=name, version=version, params=params or {},
                                       triggered_by=triggered_by[:64], status=ModelVersion.Status.TRAINING)


def model_version_finish(*, mv: ModelVersion, artifact_dir: str, checksum: str, metrics: dict,
                         data_counts: dict, params: dict, duration_s: float, gate: dict) -> ModelVersion:
    """Record a trained version; activate it when `gate["passed"]` is true."""
    mv.artifact_dir = str(artifact_dir)
    mv.checksum = checksum
    mv.metrics = metrics
    mv.data_counts = data_counts
    mv.params = params
    mv.duration_s = duration_s
    mv.trained_at = timezone.now()
    mv.gate = gate
    mv.status = ModelVersion.Status.READY if gate.get("passed") else ModelVersion.Status.REJECTED
    mv.save()
    if gate.get("passed"):
        model_version_activate(mv=mv)
    return mv


@transaction.atomic
def model_version_activate(*, mv: ModelVersion) -> ModelVersion:
    current = ModelVersion.objects.select_for_update().filter(name=mv.name, is_active=True).exclude(pk=mv.pk)
    for old in current:
        old.is_active = False
        old.status = ModelVersion.Status.RETIRED
        old.save(update_fields=["is_active", "status"])
    mv.is_active = True
    mv.status = ModelVersion.Status.ACTIVE
    mv.activated_at = timezone.now()
    mv.save(update_fields=["is_active", "status", "activated_at"])
    key = ACTIVE_CACHE_KEY.format(name=mv.name)

    def forget():
        cache.delete(key)
        forget_active(mv.name)

    forget()  # this process sees it now; others after commit (and their one-second memory)
    transaction.on_commit(forget)
    return mv


def model_version_fail(*, mv: ModelVersion, error: str) -> ModelVersion:
    mv.status = ModelVersion.Status.FAILED
    mv.error = error[:10000]
    mv.save(update_fields=["status", "error"])
    return mv


def model_training_request(*, name: str, reason: str) -> None:
    """Queue a training of the model `name` (after commit), through the app that owns it.

    The model apps answer `core.signals.training_requested`; a name no app answers is an error."""
    answers = training_requested.send(sender=None, name=name, reason=reason[:64])
    if not any(answer for _receiver, answer in answers):
        raise ValidationFailed(f"No model named {name!r} can be trained here.", field="name")
