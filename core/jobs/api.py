"""API pieces of the jobs layer."""

DELAYED_HELP = (
    "true while the job waits for the queue (the broker was unavailable when it was started): it is stored "
    "and starts automatically once the queue is back"
)
