"""Test settings: the base settings with fast hashing and isolated state.

The database still comes from DATABASE_URL (CI runs the suite on PostgreSQL); Celery runs
eagerly unless a test starts a real worker (tests/conftest.py `celery_worker_process`).
"""
import os
import tempfile

from .base import *  # noqa: F401,F403
from .base import REST_FRAMEWORK, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ML_ARTIFACTS_DIR = Path(os.environ.get("ML_ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "netfloox-test-artifacts")  # noqa: F405
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute", "auth": "100000/minute"},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
