"""Celery tasks of the training app: thin wrappers around services, idempotent, enqueued on commit."""
