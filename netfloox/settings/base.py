"""Base settings: everything, with safe development defaults read through django-environ.

With no environment at all the project runs embedded: SQLite, Celery tasks executed eagerly
in-process, local-memory cache. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis
(real Celery workers). See `.env.example` for every variable.
"""
import sys
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("NETFLOOX_VAR_DIR", default=str(BASE_DIR / "var")))
# The embedded default keeps its SQLite database, artifacts and media here: a fresh clone has no
# var/ (it is git-ignored), and SQLite cannot create the directory of its database file.
try:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
except OSError:  # read-only deployments point every path elsewhere through the environment
    pass

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(str(BASE_DIR / ".env"))

# --- Core ---------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-change-me-in-production-0123456789abcdefghijkl",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "accounts",
    "catalog",
    "interactions",
    "recommendations",
    "popularity",
    "analytics",
    "datasets",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into accounts.views.login_locked_out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "netfloox.urls"
WSGI_APPLICATION = "netfloox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions: the dev server, the stream consumer and imports can
    # write concurrently without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    # Persistent connections (60 s) where the server reuses its threads (gunicorn, Celery).
    # Django's development server runs every request in a new thread, whose connection would
    # stay open after the thread ends: one idle connection per request until PostgreSQL refuses
    # clients (Django's docs, "Persistent connections": don't enable them with runserver).
    threaded_runserver = sys.argv[1:2] == ["runserver"] and "--nothreading" not in sys.argv
    DATABASES["default"].setdefault(
        "CONN_MAX_AGE", 0 if threaded_runserver else env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Namespace for every key this deployment writes to Redis (cache, Celery broker queues and results),
# so several deployments (or test runs) can share one Redis server without seeing each other's keys.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis keeps one connection pool per process (Django's own backend builds a
            # client per call) and IGNORE_EXCEPTIONS keeps the API up when Redis is down: the
            # throttle and caches degrade to misses instead of 500s.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}netfloox",
            "TIMEOUT": 300,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
# No broker configured => run tasks eagerly, in-process (embedded default).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "recommendations.tasks.refresh_user_recommendations": {"queue": "realtime"},
    "recommendations.tasks.train_recommender": {"queue": "ml"},
    "popularity.tasks.train_popularity": {"queue": "ml"},
}
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# acks_late tasks are redelivered when unacknowledged for this long: longer than the longest hard
# time limit (training, 3 h), or a training still running would be started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {}
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["global_keyprefix"] = REDIS_KEY_PREFIX
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
# Every periodic task is declared in one place: netfloox/schedule.py.
from netfloox.schedule import CELERY_BEAT_SCHEDULE  # noqa: E402,F401

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Sign-in lockout (django-axes) -----------------------------------------------------------
# Every sign-in form (the site's, the admin's, POST /api/auth/token/) goes through authenticate();
# django-axes counts its failures per account name and per client address (separately: either
# one reaching the limit locks) and refuses further attempts for the cool-off time, the right
# password included. The names are counted whether or not an account has them, and the lockout
# page says the same for both (it names neither), so it tells nobody which accounts exist.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("NETFLOOX_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("NETFLOOX_LOGIN_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every start of a process
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
# Proxies in front of the web processes that append to X-Forwarded-For (0: REMOTE_ADDR is the
# client). The sign-in lockout and the API's throttles both read the client's address with it.
NETFLOOX_PROXY_COUNT = env.int("NETFLOOX_PROXY_COUNT", default=0)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
# Where a new account goes first: the onboarding (favourite genres and films, the cold start).
NETFLOOX_SIGNUP_REDIRECT_URL = "web:onboarding"

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- E-mail (console in development) --------------------------------------------------------
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Netfloox <noreply@netfloox.local>")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# SMTP authentication and encryption (empty user: no AUTH). TLS = STARTTLS, usually port 587;
# SSL = implicit TLS, usually port 465. Set at most one of the two: Django refuses both.
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with `WWW-Authenticate: Token` (DRF
    # takes the header from the first class; session-first would answer 403 without it).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Personal data by default; public catalog endpoints opt out explicitly.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.DefaultPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.WindowAnonRateThrottle",
        "core.api.throttling.WindowUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="6000/minute"),
        "auth": env.str("API_THROTTLE_AUTH", default="30/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": NETFLOOX_PROXY_COUNT,
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The API speaks JSON only (the site's own scripts send JSON too): another body is a 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Netfloox API",
    "DESCRIPTION": "Catalog, viewer interactions, hybrid recommendations and popularity prediction.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"TitleTypeEnum": "catalog.models.TitleType"},
    # `<id:…>` path parameters (core.converters.IdConverter): what the URL pattern accepts.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    # Every operation's error responses (400/401/403/404/429, 415 with a body) and the NUL rule.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "core.api.schema.add_error_responses"],
}
NETFLOOX_REMOTE_POSTERS = env.bool("NETFLOOX_REMOTE_POSTERS", default=False)

# --- Netfloox -----------------------------------------------------------------------------
# Resolved: ModelVersion rows store artifact paths, which must not depend on the working directory.
ML_ARTIFACTS_DIR = Path(env.str("ML_ARTIFACTS_DIR", default=str(VAR_DIR / "artifacts"))).resolve()
NETFLOOX_EVENTS_MAX_BATCH = env.int("NETFLOOX_EVENTS_MAX_BATCH", default=1000)
NETFLOOX_STREAM_URL = env.str("NETFLOOX_STREAM_URL", default="")
NETFLOOX_RETRAIN_AFTER_INTERACTIONS = env.int("NETFLOOX_RETRAIN_AFTER_INTERACTIONS", default=5000)
NETFLOOX_DATASETS_BASE_URLS = {
    "imdb": env.str("NETFLOOX_IMDB_BASE_URL", default="https://datasets.imdbws.com/"),
    "movielens": env.str("NETFLOOX_MOVIELENS_BASE_URL", default="https://files.grouplens.org/datasets/movielens/"),
    "tmdb": env.str("NETFLOOX_TMDB_BASE_URL", default=""),
}
# On a cold cache the analytics page computes charts inline for at most this many seconds, then
# leaves the rest for the browser to fetch in parallel (analytics/views.py). Empty: no limit.
NETFLOOX_ANALYTICS_INLINE_BUDGET_S = (float(env.str("NETFLOOX_ANALYTICS_INLINE_BUDGET_S", default="0.3"))
                                      if env.str("NETFLOOX_ANALYTICS_INLINE_BUDGET_S", default="0.3") else None)
NETFLOOX_DATA_DIR = Path(env.str("NETFLOOX_DATA_DIR", default=str(VAR_DIR / "data")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
