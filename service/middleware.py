"""Pure ASGI middleware: request ids, JSON-only bodies (415), body size cap (413), access log and metrics.

It sees bytes, never parses them, and logs metadata only (route template, status, latency, decision).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import log_event
from .metrics import Metrics

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _BodyTooLarge(Exception):
    pass


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class GuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, metrics: Metrics,
                 known_paths: Callable[[], frozenset[str]] = frozenset) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.known_paths = known_paths  # route templates, for requests rejected before routing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status_box = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                status_box["started"] = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            error = self._precheck(scope["method"], scope.get("path", ""), headers)
            if error is not None:
                await self._reject(send_wrapper, request_id, *error)
            else:
                await self.app(scope, self._limited(receive), send_wrapper)
        except _BodyTooLarge:
            if not status_box["started"]:
                await self._reject(send_wrapper, request_id, 413,
                                   f"request body exceeds {self.max_body_bytes} bytes")
        except Exception as exc:  # a bug: answer 500, log the type only (its message may quote the text)
            log_event("unhandled_error", logging.ERROR, request_id=request_id, error=type(exc).__name__)
            if not status_box["started"]:
                await self._reject(send_wrapper, request_id, 500, "internal error")
        finally:
            self._record(scope, state, request_id, status_box["status"], time.perf_counter() - started)

    def _precheck(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, str] | None:
        if method not in _BODY_METHODS:
            return None
        if path.startswith("/v1/") and not _is_json(headers.get("content-type", "")):
            return 415, "the request body must be JSON (Content-Type: application/json)"
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            return 413, f"request body exceeds {self.max_body_bytes} bytes"
        return None

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        return wrapped

    @staticmethod
    async def _reject(send: Send, request_id: str, status: int, message: str) -> None:
        code = {413: "payload_too_large", 415: "unsupported_media_type", 500: "internal_error"}[status]
        body = json.dumps({"error": code, "message": message, "request_id": request_id}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, state: dict[str, Any], request_id: str, status: int,
                seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None)
        if route is None:
            route = scope.get("path") if scope.get("path") in self.known_paths() else "unmatched"
        method = scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        fields: dict[str, Any] = {"request_id": request_id, "method": method, "route": route,
                                  "status": status, "latency_ms": round(seconds * 1000, 3)}
        for key in ("decision", "labels", "n_messages", "decisions"):
            if key in state:
                fields[key] = state[key]
        log_event("request", **fields)
