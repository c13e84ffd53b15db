"""Local stand-ins for the outside world: an SMTP server (aiosmtpd) and a group-robot webhook on 127.0.0.1
that checks DingTalk's signature (HMAC-SHA256 of "timestamp\\nsecret", base64) like DingTalk does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

from tests.faults.harness import free_port


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[Message]]]:
    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler.messages
    finally:
        controller.stop()


def dingtalk_sign(timestamp: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class RobotServer:
    """Records every accepted robot message; refuses (HTTP 403) a DingTalk call with a wrong signature."""

    def __init__(self, *, secret: str = "", status: int = 200, hang: bool = False) -> None:
        self.secret = secret
        self.status = status
        # hang: take the request and never answer while set (a send cut off by a crash of the sender)
        self.hang = hang
        self.hung: list[str] = []
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.port = free_port()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if outer.hang:
                    outer.hung.append(self.path)
                    deadline = time.monotonic() + 60
                    while outer.hang and time.monotonic() < deadline:
                        time.sleep(0.05)
                    return  # the sender is gone: nothing was accepted
                query = parse_qs(urlparse(self.path).query)
                if outer.secret:
                    ts = query.get("timestamp", [""])[0]
                    fresh = ts.isdigit() and abs(time.time() * 1000 - int(ts)) < 3600_000
                    if not fresh or query.get("sign", [""])[0] != dingtalk_sign(ts, outer.secret):
                        outer.refused.append(self.path)
                        self.send_response(403)
                        self.end_headers()
                        return
                if outer.status == 200:
                    outer.accepted.append({"path": self.path, "json": json.loads(body)})
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RobotServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"
