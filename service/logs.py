"""Structured JSON logs. Only metadata is logged: never message text, campaign bodies or personal data."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

LOGGER_NAME = "outreach_guard.service"
logger = logging.getLogger(LOGGER_NAME)

# The only keys a log line may carry (an allow-list, so a careless `extra=` cannot leak a field).
ALLOWED_FIELDS = frozenset({
    "request_id", "method", "route", "status", "latency_ms", "decision", "labels", "n_messages",
    "decisions", "error", "detector_version", "workers", "model_loaded", "load_ms",
})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None) or {}
        line.update({k: v for k, v in fields.items() if k in ALLOWED_FIELDS})
        return json.dumps(line, ensure_ascii=True, default=str)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at emit time (so redirected or captured stdout still gets logs)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Attach one JSON handler to the service logger (idempotent)."""
    logger.setLevel(level.upper())
    if not any(getattr(h, "_outreach_guard", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream) if stream is not None else _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        handler._outreach_guard = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, event, extra={"fields": fields})
