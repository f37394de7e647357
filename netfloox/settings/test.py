"""Test settings: the base settings with fast hashing and isolated state.

The database still comes from DATABASE_URL (CI runs the suite on PostgreSQL); Celery runs
eagerly unless a test starts a real worker (tests/conftest.py `celery_worker_process`).
"""
import atexit
import os
import shutil
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
# Static files come through WhiteNoise in tests too (from the finders: no collectstatic), as in
# production, so the live server answers HTTP Range requests (tests/conftest.py).
WHITENOISE_USE_FINDERS = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A directory of this process's own unless one is given (worker subprocesses of a test get the
# parent's): two test runs on one host never share model artifacts.
if os.environ.get("ML_ARTIFACTS_DIR"):
    ML_ARTIFACTS_DIR = Path(os.environ["ML_ARTIFACTS_DIR"])  # noqa: F405
else:
    ML_ARTIFACTS_DIR = Path(tempfile.mkdtemp(prefix="netfloox-test-artifacts-"))  # noqa: F405
    atexit.register(shutil.rmtree, ML_ARTIFACTS_DIR, ignore_errors=True)
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute", "auth": "100000/minute"},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# No clock decides what a test sees: the analytics page computes every chart inline unless a
# test asks for a budget itself (0 leaves every uncached chart to the browser).
NETFLOOX_ANALYTICS_INLINE_BUDGET_S = None
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
