"""Celery tasks of the teams app: thin wrappers around services, idempotent, enqueued on commit."""
