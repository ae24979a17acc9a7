"""Settings for the merchant support portal, read from the environment.

With no environment at all the portal runs on embedded defaults: a SQLite file, a Celery
broker kept in a local folder (no server), e-mail printed to the console. Production sets
DATABASE_URL, CELERY_BROKER_URL (or REDIS_URL), EMAIL_HOST (or EMAIL_URL) and SECRET_KEY.
See README.md and .env.example for every variable.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from portal.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_url,
    parse_email_url,
)

# Lets annotated generics such as ModelChoiceField[Terminal] work at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("PORTAL_TESTING", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and env_bool("PORTAL_KEYLESS_COMMAND", default=False):
    # manage.py's commands that sign nothing (migrations, checks, messages): a throwaway key.
    SECRET_KEY = secrets.token_urlsafe(50)
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",  # django.contrib.admin on the audited site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "portal",
    "terminals",
    "tickets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

_default_db = f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
_db_url = env_str("DATABASE_URL", _default_db)
try:
    _db = dj_database_url.parse(_db_url, conn_max_age=env_int("DB_CONN_MAX_AGE", default=60))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL plus IMMEDIATE transactions keep them from
    # tripping over each other's locks.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://) or SQLite")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force lock-out: a handful of failures per user and per address, for the sign-in page,
# the admin and the API's token sign-in alike.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", default=15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)

# --- Internationalisation ------------------------------------------------------------------

LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", choices=[c for c, _n in LANGUAGES], default="zh-hans")
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone: {TIME_ZONE!r}") from None
USE_I18N = True
USE_TZ = True

# --- Files -----------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded evidence is private: MEDIA_ROOT is never served as a public folder; files are
# streamed only by views that check access first.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/private-media-is-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024, minimum=1024)

# --- Work rules ---------------------------------------------------------------------------------

# A merchant may reopen a resolved ticket this many days; after it, sweeps close the ticket.
TICKET_REOPEN_DAYS = env_int("TICKET_REOPEN_DAYS", default=7, minimum=1)
# A spare's functional test counts for this many days towards being ready to lend.
SPARE_TEST_VALID_DAYS = env_int("SPARE_TEST_VALID_DAYS", default=30, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Redis, Celery ------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    env_url("REDIS_URL", default=REDIS_URL, schemes={"redis", "rediss"})
_default_broker = REDIS_URL or "filesystem://"
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    default=_default_broker,
    schemes={"redis", "rediss", "amqp", "filesystem", "memory", "sqla+sqlite", "sqla+postgresql"},
)
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    for _sub in ("queue", "control", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
else:
    # Short socket timeouts: a web request that queues a task must not hang on a broker
    # that is down (the outbox's periodic drain makes up for the task that was not queued).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        # Reconnecting to publish: quick retries, for at most CELERY_BROKER_CONNECTION_TIMEOUT.
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
# Bounds how long publishing keeps retrying a broker it cannot reach: queueing a task from a
# web request gives up after about a second.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# One queue name per deployment (or per test run) when several share one Redis.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# How long a worker that took an outbox message may send it before another may take it over
# (it died). Longer than CELERY_TASK_TIME_LIMIT, so a live worker never loses its lease.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", default=300, minimum=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- E-mail -------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Merchant Support <support@portal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env_str("EMAIL_URL")
EMAIL_HOST = env_str("EMAIL_HOST")
if _email_url:
    globals().update(parse_email_url("EMAIL_URL", _email_url))
elif EMAIL_HOST:
    EMAIL_PORT = env_int("EMAIL_PORT", default=25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=15, minimum=1)
# SMTP whenever a host is configured, whatever DEBUG says; otherwise the console.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if _email_url or EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# --- API -------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api_pagination.PagePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("THROTTLE_TOKEN", "10/min"),
        "report": env_str("THROTTLE_REPORT", "30/hour"),
    },
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Merchant support portal API",
    "DESCRIPTION": "Report blocked POS terminals, work incidents, lend backup terminals.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.openapi.add_error_responses",
    ],
    # Choice sets that share a field name ("status", "kind", "to") get stable names of their own.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "TerminalStatusEnum": "terminals.models.TerminalStatus",
        "EscalationStatusEnum": "tickets.models.work.EscalationStatus",
        "VisitStatusEnum": "tickets.models.work.VisitStatus",
        "AttachmentKindEnum": "tickets.models.Attachment.Kind",
        "AppealMaterialKindEnum": "tickets.models.MaterialKind",
    },
}

# --- Security ------------------------------------------------------------------------------

# A strict Content-Security-Policy on every page: scripts, styles, fonts and images only from
# this site, nothing inline, no plugins, no framing. The API docs page relaxes it for itself
# only (portal/api_urls.py). Templates that ever need an inline script give it
# nonce="{{ csp_nonce }}" (CSP.NONCE below).
SECURE_CSP: dict[str, list[str] | str] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if CSP_REPORT_URI := env_str("CSP_REPORT_URI"):
    SECURE_CSP["report-uri"] = CSP_REPORT_URI

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = env_choice("X_FRAME_OPTIONS", choices=["DENY", "SAMEORIGIN"], default="DENY")
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Reverse proxies in front of the portal that append to X-Forwarded-For: lock-outs and the audit
# log then see the caller's address instead of the proxy's (portal.audit.client_ip).
PROXY_COUNT = env_int("PROXY_COUNT", default=0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "portal.audit.client_ip"
# DRF's throttles too; left unset, DRF would key them on the whole X-Forwarded-For header,
# which a client can change on every request.
REST_FRAMEWORK["NUM_PROXIES"] = PROXY_COUNT

# Production: HTTPS only. `make run` (DEBUG=1) and the tests speak plain HTTP on localhost,
# where secure cookies would never come back and sign-in would fail.
_PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_PRODUCTION)
# The container health check calls http://127.0.0.1:8000/health/ from inside.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=_PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=_PRODUCTION)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", default=31536000 if _PRODUCTION else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
# Only behind a proxy that sets this header itself (and drops the client's): the header a
# client sends straight to gunicorn must never make plain HTTP look secure.
if _proxy_ssl_header := env_str("SECURE_PROXY_SSL_HEADER"):
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_ssl_header):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto; "
            f"got {_proxy_ssl_header!r}"
        )
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_ssl_header.upper().replace("-", "_"),
        env_str("SECURE_PROXY_SSL_VALUE", "https"),
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
