"""gunicorn settings for the web service (deploy/systemd/pairing-web.service; tests/deploy uses them too).

Command-line options override these (the test binds a free port).
"""

import os

# Only nginx on the same machine talks to gunicorn.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Report and export pages can take tens of seconds; nginx waits 130 s (deploy/nginx/pairing.conf).
timeout = 120
graceful_timeout = 30
# A worker is replaced after this many requests, which bounds slow memory growth. Not fewer: at the API's
# ~130 answers a second over three workers, 1,000 restarted a worker (and reloaded Django) every ~25 s.
max_requests = 10000
max_requests_jitter = 1000
# Access lines go to the journal; the app's own logs are JSON lines (LOG_FORMAT=json).
accesslog = "-"
# gunicorn trusts X-Forwarded-* only from nginx on this machine.
forwarded_allow_ips = "127.0.0.1"
