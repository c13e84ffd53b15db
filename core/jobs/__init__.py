"""One jobs layer: every background job is a row (status, progress, log, traceback, attempts) started through
:func:`core.jobs.services.job_start` and run through :func:`core.jobs.services.job_execute`.

The row is its own outbox: ``job_start`` saves it queued and hands it to the broker once the transaction
commits; a row the broker did not take (Redis down) stays ``dispatched_at IS NULL`` and the beat task
``core.jobs.dispatch_due`` sends it again. Flow and settings: docs/operations.md ("Background jobs").
"""
