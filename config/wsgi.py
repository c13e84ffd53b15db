import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_application = get_wsgi_application()

# Imported once Django is set up (it reads models). A dashboard token's cached API answer is served
# before Django's handler runs (issue 18); everything else goes to Django unchanged.
from pairings.api.middleware import TokenAnswerApp  # noqa: E402

application = TokenAnswerApp(django_application)
