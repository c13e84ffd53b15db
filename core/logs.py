"""Logging helpers: request/task ids on every record, personal data masked, JSON lines for production."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from core.middleware import request_id_var

# 18-character resident ID (17 digits + digit or X) and mainland mobile numbers (1[3-9] + 9 digits), not
# part of a longer run of digits/letters (order numbers, hashes).
NATIONAL_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_personal_data(text: str) -> str:
    """620102198001011234 → 620102********1234; 13812345678 → 138****5678."""
    text = NATIONAL_ID_RE.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)}", text)
    return MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class PersonalDataFilter(logging.Filter):
    """Masks national ID and mobile numbers in the message and traceback of every record.

    Attached to handlers (not loggers) so records propagated from any library are covered too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class ClientErrorTracebackFilter(logging.Filter):
    """Drops the traceback from ``django.request``'s records of 4xx answers: a refused permission (403) or a
    missing object (404) is the user's request, not a fault, and a full traceback per refusal buries the real
    errors. The one line (status, path, request id) stays; 5xx keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info, record.exc_text = None, None
        return True


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` (web) and ``task_id``/``task_name`` (Celery) to every record ("-" when none)."""

    def filter(self, record: logging.LogRecord) -> bool:

        record.request_id = request_id_var.get() or "-"
        task_id, task_name = "-", "-"
        try:
            from celery import current_task

            if current_task and current_task.request and current_task.request.id:
                task_id, task_name = current_task.request.id, current_task.name
        except Exception:  # noqa: BLE001 - logging must never fail because Celery is half set up
            pass
        record.task_id, record.task_name = task_id, task_name
        return True


_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log shippers parse without guessing. Extra attributes are kept."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = (
                    value if isinstance(value, str | int | float | bool | type(None)) else str(value)
                )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)
