"""Logs carry request/task ids and never the full national ID or mobile number."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

from core.logs import JsonFormatter, PersonalDataFilter, RequestContextFilter, mask_personal_data
from core.middleware import RequestIdMiddleware


def _logger_to(stream: io.StringIO, formatter: logging.Formatter) -> logging.Logger:
    logger = logging.getLogger(f"tests.security.{id(stream)}")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(formatter)
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    return logger


def test_national_ids_and_mobiles_are_masked_in_messages_args_and_tracebacks() -> None:
    # given: a logger configured like ours
    stream = io.StringIO()
    logger = _logger_to(stream, logging.Formatter("%(message)s"))

    # when: personal data appears in the message, in the arguments and in an exception
    logger.info("导入 身份证号:620102198001011234 手机13812345678")
    logger.warning("staff %s phone %s", "62010219800101123X", "15987654321")
    try:
        raise ValueError("duplicate national_id 620102199912310011")
    except ValueError:
        logger.exception("import failed")

    # then: none of the full numbers is written, their masked forms are
    out = stream.getvalue()
    for secret in [
        "620102198001011234",
        "13812345678",
        "62010219800101123X",
        "15987654321",
        "620102199912310011",
    ]:
        assert secret not in out
    assert "620102********1234" in out and "138****5678" in out and "159****4321" in out
    assert "620102********0011" in out  # inside the traceback


def test_numbers_that_are_not_personal_data_are_left_alone() -> None:
    text = "order 20231231000012345678901 amount 12345678901234 year 2023 code 62010219800101123456"
    assert mask_personal_data(text) == text


def test_the_configured_console_handler_masks_and_adds_ids() -> None:
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("13812345678",), None)
    assert all(handler.filter(record) for _ in [0])
    line = handler.format(record)
    assert "138****5678" in line and "13812345678" not in line
    assert record.request_id == "-" and record.task_id == "-"


def test_request_id_is_echoed_and_on_every_log_line_of_the_request() -> None:
    stream = io.StringIO()
    logger = _logger_to(stream, JsonFormatter())

    def view(request: Any) -> HttpResponse:
        logger.info("handling")
        return HttpResponse("ok")

    middleware = RequestIdMiddleware(view)
    given = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-proxy-1234"))
    generated = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="bad id\nwith newline"))

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert given["X-Request-ID"] == "edge-proxy-1234"
    assert len(generated["X-Request-ID"]) == 32 and generated["X-Request-ID"] != "bad id\nwith newline"
    assert [line["request_id"] for line in lines] == ["edge-proxy-1234", generated["X-Request-ID"]]
    assert lines[0]["message"] == "handling" and lines[0]["level"] == "INFO"


def _logged_response(status: int) -> logging.LogRecord:
    """Django's own path for a refused request: ``log_response`` on ``django.request`` with the exception
    being handled, through the filters our LOGGING configures on that logger."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("django.request")
    handler = Keep()
    logger.addHandler(handler)
    try:
        try:
            raise PermissionError("refused")
        except PermissionError as exc:
            request = RequestFactory().get("/pairings/1/")
            response = HttpResponse(status=status)
            log_response("refused: %s", request.path, response=response, request=request, exception=exc)
    finally:
        logger.removeHandler(handler)
    assert len(records) == 1
    return records[0]


def test_client_errors_are_one_line_without_traceback_server_errors_keep_it() -> None:
    refused = _logged_response(403)
    assert refused.exc_info is None and refused.getMessage() == "refused: /pairings/1/"
    assert _logged_response(404).exc_info is None
    failed = _logged_response(500)
    assert failed.exc_info is not None
