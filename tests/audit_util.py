"""Helpers shared by the audit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from detector.audit import AuditConfig, run_audit


def row(i: int, text: str = "Your order has shipped.", sender: str = "seller", **kw: Any) -> dict[str, Any]:
    base = {
        "conversation_id": f"V{i // 3}",
        "message_id": f"M{i}",
        "seller_id": f"S{i % 3}",
        "customer_id": f"C{i}",
        "sender": sender,
        "sent_at": f"2026-10-01T10:{i % 60:02d}:00+08:00",
        "text": text,
        "order_id": f"O{i}",
    }
    base.update(kw)
    return base


def audit(inputs: list[Path], out: Path, **kw: Any) -> dict[str, Any]:
    kw.setdefault("jobs", 1)
    kw.setdefault("progress", False)
    return run_audit(AuditConfig(inputs=[str(p) for p in inputs], out=str(out), **kw))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def findings_key(out: Path) -> list[tuple]:
    """Findings as comparable tuples (message, decision, labels with their decisions)."""
    return sorted(
        (
            f["message_id"],
            f["seller_id"],
            f["decision"],
            tuple(sorted((lr["label"], lr["decision"]) for lr in f["labels"])),
        )
        for f in read_jsonl(out / "findings.jsonl")
    )
