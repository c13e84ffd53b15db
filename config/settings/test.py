import os
from urllib.parse import urlsplit, urlunsplit

from config.settings.base import *  # noqa: F401,F403
from config.settings.base import CACHES, INSTALLED_APPS

# The demo builder and the benchmarks: local and test only, never production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

DEBUG = False
# Fast hashing: tests create many users; production keeps the strong default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise warns on every request when STATIC_ROOT is missing; tests serve static files from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# pytest-xdist: each worker's answer cache gets a Redis database of its own (gw0 → db 2, gw1 → db 3, …), so
# a test that clears the cache or counts its keys never sees another worker's entries. The broker stays
# shared: tasks are routed by the database rows they name, which are per worker already.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER.startswith("gw") and not os.environ.get("CACHE_REDIS_URL"):
    _cache_url = urlsplit(CACHES["default"]["LOCATION"])
    if _cache_url.scheme in ("redis", "rediss"):
        CACHES["default"]["LOCATION"] = urlunsplit(_cache_url._replace(path=f"/{2 + int(_XDIST_WORKER[2:])}"))

# The plain lists' kept statements (core.api.base._PreparedValues) compiled again on every request and
# compared with the kept one: every list test checks that the recorded operations name one statement.
API_PREPARED_LISTS_CHECK = True
