"""Admin pieces shared by every job model's admin: the job columns are written by the jobs layer only."""

JOB_READONLY_FIELDS = [
    "status",
    "progress",
    "error",
    "traceback",
    "log",
    "attempts",
    "run_after",
    "dispatched_at",
    "dispatch_error",
    "task_id",
    "started_at",
    "finished_at",
]
