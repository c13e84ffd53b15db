"""Settings shared by every environment; values come from the environment (12-factor).

When DATABASE_URL / REDIS_URL are not set, `var/env` (written by `scripts/services.sh`) supplies the
project-local PostgreSQL and Redis, so `make run` and `make test` need no configuration.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_local_env = BASE_DIR / "var" / "env"
if _local_env.exists():
    # read_env never overrides variables already present in the environment.
    environ.Env.read_env(str(_local_env))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me-in-production-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

# The model holding a user's organisation and role (read by core.access, as AUTH_USER_MODEL is read).
MEMBERSHIP_MODEL = "pairings.Membership"
# The account of a deployed person: which teams.Staff a user is (read by core.access, issue 19).
PERSON_ACCOUNT_MODEL = "teams.PersonAccount"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for the project override of select_option.html
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "csp",
    "core",
    "pairings",
    "training",
    "teams",
    "assessments",
    "reminders",
    "web",
]

MIDDLEWARE = [
    # First, so every later log line (and the audit context) knows the request id.
    "core.middleware.RequestIdMiddleware",
    # A dashboard token's cached API answer, before anything else runs (issue 18; pairings/api/middleware.py).
    "pairings.api.middleware.TokenAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless English was chosen with the switch (pages ignore the browser's Accept-Language).
    "core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # pghistory's HistoryMiddleware plus the client IP and request id (config/middleware.py).
    "core.middleware.AuditContextMiddleware",
    # Axes must be last: it inspects the response of the authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "web.nav.navigation",
                "reminders.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://pairing@127.0.0.1:5432/pairing")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# pgtrigger's trigger functions read this setting inside an EXCEPTION block; left undefined, every audited
# row pays for a rolled-back subtransaction (bulk imports ran ~10x slower). An empty list means "ignore none".
# JIT off: the planner's row guesses for generate_series-shaped report queries cross jit_above_cost and
# compiling then costs ~1 s on queries that run in 0.2 s (measured on the indicators' attendance totals).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c pgtrigger.ignore={} -c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def _next_redis_db(url: str) -> str:
    """``redis://host:port/0`` → ``redis://host:port/1`` (no database number means 0); other URLs as given."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url
    db = parts.path.strip("/")
    if db and not db.isdigit():
        return url
    return urlunsplit(parts._replace(path=f"/{int(db or 0) + 1}"))


# Read-API answers kept in Redis until the data changes (pairings/api/cache.py, config/data_changes.py);
# the expiry only bounds what a write made outside the application (psql by hand) could leave behind.
API_CACHE_ENABLED = env.bool("API_CACHE_ENABLED", default=True)
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=600)
API_CACHE_WAIT_SECONDS = env.int("API_CACHE_WAIT_SECONDS", default=30)
# Hot API lists answered from values() rows instead of the serializer (core.api.base.PlainListMixin).
API_PLAIN_LISTS = env.bool("API_PLAIN_LISTS", default=True)
# Their scoped values() querysets built once per view and scope key, cloned per request (issue 18).
API_PLAIN_BASES = env.bool("API_PLAIN_BASES", default=True)
# Their page statement prepared once per database session and scope key, then EXECUTEd (core.prepared).
API_PREPARED_LISTS = env.bool("API_PREPARED_LISTS", default=True)
# ... and their compiled SQL kept per request shape; on: compiled on every request and compared (tests).
API_PREPARED_LISTS_CHECK = env.bool("API_PREPARED_LISTS_CHECK", default=False)
# Dashboard tokens' cached answers served before the rest of the stack (pairings.api.middleware).
API_TOKEN_FAST_PATH = env.bool("API_TOKEN_FAST_PATH", default=True)
# /api/v1/indicators/ sums the fact tables (assessments.selectors.indicator_facts) instead of computing
# attendance, stays, rosters and coverage over the period on every request; off: the old computation.
INDICATOR_FACTS = env.bool("INDICATOR_FACTS", default=True)
CACHES = {
    "default": {
        # Redis cache whose outages are a cache miss, not a 500 (config/cache.py).
        "BACKEND": "core.cache.ResilientRedisCache",
        # A Redis of its own (with an evicting maxmemory-policy) is best in production: the broker's
        # Redis must never evict, and cached answers may fill memory. Without CACHE_REDIS_URL the cache
        # takes the next database of the broker's server (db 1 beside db 0): never the queue's keyspace,
        # so a cache flush cannot drop queued tasks (an eviction policy is per server, not per database:
        # docs/operations.md).
        "LOCATION": env("CACHE_REDIS_URL", default=_next_redis_db(REDIS_URL)),
        "KEY_PREFIX": "pairing",
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions live in PostgreSQL (Django's default engine), not in the Redis cache: a Redis outage must
# not log everyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address as the audit trail reads it (core.middleware.client_ip): X-Forwarded-For only for
# AUDIT_TRUSTED_PROXY_COUNT proxies of ours, counted from the right. Behind a proxy REMOTE_ADDR is the
# proxy's, so without this every client shares one address (anyone could lock the province account); with
# the leftmost X-Forwarded-For entry a client could lock another address's account or dodge its own lock.
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"
# The public certificate-verification page: requests per client address and window (seconds).
CERTIFICATE_VERIFY_RATE = (
    env.int("CERTIFICATE_VERIFY_RATE_LIMIT", default=30),
    env.int("CERTIFICATE_VERIFY_RATE_WINDOW", default=60),
)
# Deployed people's accounts (issue 19, teams.services.accounts): how long an activation link stays valid
# (seconds), activation attempts per client address and window, and how many days after the end of a
# person's last deployment the account is deactivated.
PERSON_ACTIVATION_TIMEOUT = env.int("PERSON_ACTIVATION_TIMEOUT", default=7 * 24 * 3600)
PERSON_ACTIVATION_RATE = (
    env.int("PERSON_ACTIVATION_RATE_LIMIT", default=10),
    env.int("PERSON_ACTIVATION_RATE_WINDOW", default=600),
)
PERSON_ACCOUNT_GRACE_DAYS = env.int("PERSON_ACCOUNT_GRACE_DAYS", default=30)

# Security headers every environment sends (production.py adds HTTPS-only ones).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp 4): only our own origin; no inline script anywhere. Inline styles
# are allowed because base.html carries its small stylesheet inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Audit: how many of our own reverse proxies append to X-Forwarded-For (0 = use REMOTE_ADDR only).
AUDIT_TRUSTED_PROXY_COUNT = env.int("AUDIT_TRUSTED_PROXY_COUNT", default=0)

# Simplified Chinese is the default; English is selectable (LocaleMiddleware + set_language).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# Every filter's empty choice reads 「全部」 (issue 15), not django-filter's "---------": ChoiceFilter and
# ModelChoiceFilter of every FilterSet take their empty label from here.
FILTERS_EMPTY_CHOICE_LABEL = _("全部")
# Form widgets render through the project's templates, so templates/django/forms/widgets/select_option.html
# shows a form select's empty choice as 「请选择」 instead of Django's "---------" in every form (issue 15);
# core.renderers builds a select's options in Python with the same bytes (a thousand-option filter form
# took half a second through the templates).
FORM_RENDERER = "core.renderers.FormRenderer"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production collects into a folder nginx serves (docs/operations.md: STATIC_ROOT in the environment file).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Stored files are never served as static files: core/files.py checks permission, then streams the file,
# or, when this is set, hands it to the web server's internal location (nginx X-Accel-Redirect).
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: rosters and attendance exports are bounded; see teams/imports for content checks.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Untrusted spreadsheets are checked against these before any parser sees them (core/spreadsheets.py,
# which holds the defaults and the zip limits): rows and columns of a sheet, and its bounding area in cells.
SPREADSHEET_LIMITS = {
    "max_rows": env.int("SPREADSHEET_MAX_ROWS", default=1_048_576),
    "max_columns": env.int("SPREADSHEET_MAX_COLUMNS", default=200),
    "max_cells": env.int("SPREADSHEET_MAX_CELLS", default=15_000_000),
}

REST_FRAMEWORK = {
    # Bearer (dashboard tokens) first: its WWW-Authenticate header makes anonymous requests answer 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pairings.api.auth.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "pairings.api.auth.ReadOnlyForDashboards",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        # DjangoFilterBackend with only the filters a request names (core/api/filters.py, issue 18).
        "core.api.filters.PresentFiltersBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        # DRF's, with the hot lists' pages written by orjson, the same bytes (core/api/renderers.py).
        "core.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pairing assistance API (三级医院对口帮扶县级医院)",
    "DESCRIPTION": "Read and write API for provincial dashboards and hospital systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets are served from the sidecar package: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status", "grade" or "role" with different choices: name each enum after them.
    "ENUM_NAME_OVERRIDES": {
        "PairingStatusEnum": "pairings.choices.PairingStatus",
        "ProgramStatusEnum": "pairings.choices.ProgramStatus",
        "AssistanceKindEnum": "pairings.choices.AssistanceKind",
        "ItemStatusEnum": "pairings.choices.ItemStatus",
        "AgreementKindEnum": "pairings.choices.AgreementKind",
        "AgreementItemKindEnum": "pairings.choices.AgreementItemKind",
        "HospitalRoleEnum": "pairings.choices.HospitalRole",
        "HospitalGradeEnum": "pairings.choices.HospitalGrade",
        "RosterStatusEnum": "teams.choices.RosterStatus",
        "AttendanceStatusEnum": "teams.choices.AttendanceStatus",
        "DeploymentRoleEnum": "teams.choices.DeploymentRole",
        "CentreStatusEnum": "assessments.choices.CentreStatus",
        "FindingStatusEnum": "assessments.choices.FindingStatus",
        "JobStatusEnum": "core.jobs.choices.JobStatus",
        "AppraisalStatusEnum": "assessments.choices.AppraisalStatus",
        "AppraisalGradeEnum": "assessments.choices.Grade",
        "SpecialtyKindEnum": "assessments.choices.SpecialtyKind",
        "DonationKindEnum": "assessments.choices.DonationKind",
        "StintKindEnum": "training.choices.StintKind",
        "RemoteServiceKindEnum": "training.choices.RemoteServiceKind",
    },
}

# Celery: at-least-once delivery with idempotent tasks (config/tasks.py: IdempotentTask, enqueue_on_commit).
# A task is acknowledged only after it finished; a worker killed mid-task leaves it unacked, and Redis
# hands it to another worker after the visibility timeout. Tasks must therefore be safe to run twice.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing retries briefly, then fails fast so a web request is not held hostage by a dead broker
# (enqueue_on_commit then records the job for the requeue task).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Must exceed the longest task (CELERY_TASK_TIME_LIMIT) so an unacked task is not redelivered while it
# still runs; the fault tests lower it through the environment.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_EXPIRES = 24 * 3600
# Our jobs report through their database rows (status, log), not Celery results. Not storing results also
# keeps publishing independent of the result backend: with results on, apply_async first subscribes to the
# Redis result channel and a Redis outage surfaces as an unrelated RuntimeError after ~20 s of retries.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Our LOGGING (request/task ids, masking) applies to the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# config is not a Django app, so autodiscovery does not see its tasks (health ping, requeue).
CELERY_INCLUDE = ["core.tasks", "core.jobs.tasks"]
# Jobs layer (core/jobs, docs/operations.md "Background jobs"): how often beat sends the jobs the broker did
# not take; after how many seconds a sent job still queued (or an orphaned running one) is sent again; how
# many runs a job gets when its worker keeps dying under it; how long a delivery waits for the run lock of
# a job whose previous worker just died.
JOBS_DISPATCH_INTERVAL = env.float("JOBS_DISPATCH_INTERVAL", default=30.0)
JOBS_REDISPATCH_AFTER = env.int("JOBS_REDISPATCH_AFTER", default=CELERY_TASK_TIME_LIMIT + 300)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
JOBS_LOCK_WAIT = env.float("JOBS_LOCK_WAIT", default=10.0)
# An import's stored upload is kept this long between preview and confirm, then deleted with its file.
IMPORT_UPLOAD_RETENTION_DAYS = env.int("IMPORT_UPLOAD_RETENTION_DAYS", default=7)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "requeue-deferred-tasks": {"task": "core.tasks.requeue_deferred_tasks", "schedule": 60.0},
    "dispatch-due-jobs": {
        "task": "core.jobs.dispatch_due",
        "schedule": JOBS_DISPATCH_INTERVAL,
        "options": {"expires": JOBS_DISPATCH_INTERVAL},
    },
    # Rule engine: check every active program at night (assessments.tasks.rules).
    "rules-nightly-sweep": {
        "task": "assessments.rules.sweep_active_programs",
        "schedule": crontab(hour=2, minute=30),
    },
    # Deadline reminders (reminders.tasks): due-soon and overdue items, then the channels' retries.
    "reminders-sweep": {"task": "reminders.tasks.send_due_reminders", "schedule": crontab(minute=15)},
    "reminders-retry": {"task": "reminders.tasks.retry_failed_deliveries", "schedule": 300.0},
    # Stored import uploads (full IDs, phones) go after IMPORT_UPLOAD_RETENTION_DAYS (core.imports.retention).
    "import-uploads-purge": {
        "task": "core.tasks.purge_import_uploads",
        "schedule": crontab(hour=3, minute=40),
    },
    # Deployed people's accounts end a grace period after their last deployment (teams.tasks).
    "person-accounts-deactivate": {
        "task": "teams.tasks.deactivate_person_accounts",
        "schedule": crontab(hour=3, minute=10),
    },
}
# Outgoing mail (reminders): EMAIL_URL such as smtp+tls://user:password@smtp.example.org:587.
vars().update(env.email("EMAIL_URL", default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="对口帮扶管理平台 <noreply@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Deadlines and reminders (reminders app; docs/operations.md "Reminders").
REMINDERS_SITE_URL = env("REMINDERS_SITE_URL", default="http://localhost:8000")
REMINDERS_MAIL_DOMAIN = env("REMINDERS_MAIL_DOMAIN", default="reminders.localhost")
# A due date on a weekend or public holiday moves to the next working day (顺延).
REMINDERS_HOLIDAY_SHIFT = env.bool("REMINDERS_HOLIDAY_SHIFT", default=True)
# Overdue items go to the city at once and to the province after this many days.
REMINDERS_ESCALATE_PROVINCE_DAYS = env.int("REMINDERS_ESCALATE_PROVINCE_DAYS", default=7)
# The hour (local time) from which the sweep sends each digest user their one daily e-mail.
REMINDERS_DIGEST_HOUR = env.int("REMINDERS_DIGEST_HOUR", default=8)
REMINDERS_MAX_ATTEMPTS = env.int("REMINDERS_MAX_ATTEMPTS", default=8)
# A delivery still pending this long after its claim belonged to a worker that died: the retry sends it.
REMINDERS_STALE_SECONDS = env.int("REMINDERS_STALE_SECONDS", default=600)
# Empty: the robots' public endpoints. Set for a private gateway ({token} / {key} are filled in).
REMINDERS_DINGTALK_ENDPOINT = env("REMINDERS_DINGTALK_ENDPOINT", default="")
REMINDERS_WECOM_ENDPOINT = env("REMINDERS_WECOM_ENDPOINT", default="")

# Seconds an event-triggered pairing recheck waits so a burst of edits makes one run.
RULES_RECHECK_DELAY = env.int("RULES_RECHECK_DELAY", default=30)
# A program's rule sweep evaluates its rule families in two lanes on two database connections at once.
RULES_PARALLEL = env.bool("RULES_PARALLEL", default=True)
# Rules read what the indicator facts of fresh pairings already know (the team rules' head-count intervals;
# the pairings whose stays and rosters the facts clear: assessments.rules.base.scope_to_compute); off: every
# sweep computes every pairing.
RULES_FACTS = env.bool("RULES_FACTS", default=True)
# A program run in lanes upserts each rule's findings on its own connection while the lanes still evaluate
# (assessments.services.findings.EarlyWrites); off: all of them after the lanes.
RULES_EARLY_WRITES = env.bool("RULES_EARLY_WRITES", default=True)

# Health endpoint: how long a worker round trip may take, and how long a success is reused.
HEALTH_WORKER_TIMEOUT = env.float("HEALTH_WORKER_TIMEOUT", default=5.0)
HEALTH_WORKER_CACHE_SECONDS = env.int("HEALTH_WORKER_CACHE_SECONDS", default=30)

# Every record gets the request id / task id and has national ID and mobile numbers masked
# (config/logging.py). LOG_FORMAT=json (production default) writes one JSON object per line.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "core.logs.RequestContextFilter"},
        "personal_data": {"()": "core.logs.PersonalDataFilter"},
        "client_errors": {"()": "core.logs.ClientErrorTracebackFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s task=%(task_id)s] %(message)s"
        },
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A 403 or 404 is logged as one line, without the traceback of the refusal (core.logs).
        "django.request": {"filters": ["client_errors"]},
        # WeasyPrint logs every layout step of every page at INFO: hundreds of lines per report.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
