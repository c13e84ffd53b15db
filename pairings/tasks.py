"""Celery tasks of the pairings app: thin wrappers around services, idempotent, enqueued on commit."""
