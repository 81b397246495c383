"""Batch audit of seller chat logs: streaming readers, parallel scoring, bulk pushes, per-seller reports.

from detector.audit import AuditConfig, run_audit, audit_frame
run_audit(AuditConfig(inputs=["chats.jsonl.gz"], out="audit-out"))
audit_frame(df)  # verdicts beside the rows of a DataFrame
"""

from __future__ import annotations

from .config import AuditConfig
from .frame import audit_frame
from .pipeline import run_audit

__all__ = ["AuditConfig", "audit_frame", "run_audit"]
