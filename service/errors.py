"""Error bodies and handlers: 4xx with a clear message and field paths; nothing echoes the input back.

Unexpected exceptions are caught in the middleware (500, type logged, message never)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

ERROR_CODES: dict[int, str] = {
    400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    503: "not_ready",
}


class SafeJSONResponse(JSONResponse):
    """JSON that survives lone surrogates in strings (falls back to ASCII escapes instead of a 500)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None
                   ) -> SafeJSONResponse:
    body = {"error": ERROR_CODES.get(status, "error"), "message": message,
            "request_id": getattr(request.state, "request_id", None)}
    return SafeJSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


async def _http_error(request: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
    if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. bytes that are not UTF-8)
        detail = [{"field": "body", "loc": ["body"], "msg": "the body is not valid UTF-8 JSON",
                   "type": "json_invalid"}]
        return SafeJSONResponse({"error": "validation_error", "message": "the body is not valid JSON",
                                 "detail": detail, "request_id": getattr(request.state, "request_id", None)},
                                status_code=422)
    message = exc.detail if isinstance(exc.detail, str) else ERROR_CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
    # Keep loc/msg/type only: pydantic's `input` and `ctx` would echo message text back.
    detail = [{"field": _field(e.get("loc", ())), "loc": [p if isinstance(p, int) else str(p)
                                                          for p in e.get("loc", ())],
               "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in exc.errors()]
    if any(d["type"] == "json_invalid" for d in detail):
        message = "the body is not valid JSON"
    else:
        fields = ", ".join(d["field"] for d in detail[:5]) + (" ..." if len(detail) > 5 else "")
        message = f"invalid request: {fields}"
    body = {"error": "validation_error", "message": message, "detail": detail,
            "request_id": getattr(request.state, "request_id", None)}
    return SafeJSONResponse(body, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
