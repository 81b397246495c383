"""The chat-log row contract: field names, column mapping, per-row validation (row -> Message or reason)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

FIELDS: tuple[str, ...] = (
    "conversation_id",
    "message_id",
    "seller_id",
    "customer_id",
    "sender",
    "sent_at",
    "text",
    "order_id",
)
REQUIRED: tuple[str, ...] = FIELDS[:-1]
ID_FIELDS: tuple[str, ...] = ("conversation_id", "message_id", "seller_id", "customer_id")
SENDERS: frozenset[str] = frozenset({"seller", "customer"})


@dataclass(slots=True)
class Message:
    """One valid chat-log row."""

    conversation_id: str
    message_id: str
    seller_id: str
    customer_id: str
    sender: str
    sent_at: str  # ISO-8601, normalised to UTC (…Z)
    text: str
    order_id: str | None
    line: int  # 1-based line (JSONL/CSV) or row number (Parquet) in its source file
    source: str


class RowError(ValueError):
    """A row that cannot be audited; its message is the reject reason."""


def parse_map(spec: str | list[str] | None) -> dict[str, str]:
    """`text=body,seller_id=shop` -> {'body': 'text', 'shop': 'seller_id'} (source column -> field)."""
    if not spec:
        return {}
    parts = spec if isinstance(spec, list) else [spec]
    out: dict[str, str] = {}
    for part in parts:
        for item in part.split(","):
            item = item.strip()
            if not item:
                continue
            field, sep, column = item.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not field or not column:
                raise ValueError(f"bad --map entry {item!r}: expected FIELD=COLUMN")
            if field not in FIELDS:
                raise ValueError(
                    f"bad --map entry {item!r}: unknown field {field!r} (fields: {', '.join(FIELDS)})"
                )
            out[column] = field
    return out


_SURROGATE = re.compile("[\udc80-\udcff]")


def _has_surrogates(s: str) -> bool:
    # Readers decode with errors="surrogateescape": lone surrogates mark undecodable bytes.
    return not s.isascii() and _SURROGATE.search(s) is not None


def _as_id(name: str, value: Any) -> str:
    if type(value) is str:  # the common case, first (the driver validates every row)
        s = value.strip()
        if s:
            return s
        raise RowError(f"missing {name}")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise RowError(f"missing {name}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError(f"wrong type for {name}: {type(value).__name__}")
    s = str(value).strip()
    if not s:
        raise RowError(f"missing {name}")
    return s


def to_message(row: dict[str, Any], mapping: dict[str, str], line: int, source: str) -> Message:
    """Validate one decoded row; raises RowError with the reject reason."""
    if mapping:
        row = {mapping.get(k, k): v for k, v in row.items()}
    for key, value in row.items():
        if isinstance(value, str) and _has_surrogates(value):
            raise RowError(f"undecodable bytes in {key}")
    text = row.get("text")
    if text is None or (isinstance(text, float) and math.isnan(text)):
        raise RowError("missing text")
    if not isinstance(text, str):
        raise RowError(f"wrong type for text: {type(text).__name__}")
    ids = {name: _as_id(name, row.get(name)) for name in ID_FIELDS}
    sender = row.get("sender")
    if sender is None:
        raise RowError("missing sender")
    if not isinstance(sender, str) or sender.strip().lower() not in SENDERS:
        raise RowError(f"bad sender: expected seller or customer, got {str(sender)[:20]!r}")
    sent_at = row.get("sent_at")
    if sent_at is None:
        raise RowError("missing sent_at")
    if isinstance(sent_at, datetime):
        sent_at = sent_at.isoformat()
    if not isinstance(sent_at, str):
        raise RowError(f"wrong type for sent_at: {type(sent_at).__name__}")
    try:
        ts = datetime.fromisoformat(sent_at.strip())
    except ValueError:
        raise RowError(f"bad sent_at: not ISO-8601 ({sent_at[:32]!r})") from None
    # Normalised to UTC so times from different offsets compare as strings; naive times are taken as UTC.
    ts = ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)
    sent_at = ts.isoformat()[:19] + "Z"  # YYYY-MM-DDTHH:MM:SS, as strftime would write it, faster
    order_id = row.get("order_id")
    if order_id is not None and not (isinstance(order_id, float) and math.isnan(order_id)):
        order_id = _as_id("order_id", order_id) if str(order_id).strip() else None
    else:
        order_id = None
    return Message(
        text=text,
        sender=sender.strip().lower(),
        sent_at=sent_at,
        order_id=order_id,
        line=line,
        source=source,
        **ids,
    )
