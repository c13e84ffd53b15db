from config.settings.base import *  # noqa: F401,F403
from config.settings.base import INSTALLED_APPS, env

# The demo builder and the benchmarks: local and test only, never production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
