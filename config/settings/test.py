from config.settings.base import *  # noqa: F401,F403
from config.settings.base import INSTALLED_APPS

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
