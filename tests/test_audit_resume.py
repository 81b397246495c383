"""An audit killed mid-run resumes without re-scoring finished chunks, losing or duplicating findings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_util import audit, findings_key, read_jsonl

from training.chatlog import write_chatlog

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("resume")
    path = tmp / "chats.jsonl"
    write_chatlog(path, 6_000, seed=2, corpus=None)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1500] = '{"broken json'  # a reject inside a chunk that may be done before the kill, and after
    lines[5000] = '{"broken json'
    lines[5500] = lines[50]  # a re-exported row: its id was read in a chunk finished before the kill
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _done(work: Path) -> int:
    return len(list(work.glob("chunk-*.done.json")))


def test_resume_after_kill_matches_uninterrupted_run(log: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    reference = audit([log], full, chunk_size=100)

    out = tmp_path / "killed"
    work = out / ".audit-work"
    cmd = [
        sys.executable,
        "-m",
        "detector.cli",
        "audit",
        str(log),
        "--out",
        str(out),
        "--chunk-size",
        "100",
        "--jobs",
        "1",
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while _done(work) < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the audit finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the whole process group we started
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    finished_before = _done(work)
    assert 5 <= finished_before < 60
    assert not (out / "summary.json").exists()

    resumed = audit([log], out, chunk_size=100, resume=True)
    assert resumed["chunks_resumed"] >= finished_before - 1  # a chunk may finish between count and kill
    assert resumed["chunks"] == reference["chunks"] == 60
    for key in ("rows_read", "scored", "skipped", "rejected", "flagged", "decisions", "labels"):
        assert resumed[key] == reference[key], key
    got = findings_key(out)
    assert got == findings_key(full)
    ids = [f["message_id"] for f in read_jsonl(out / "findings.jsonl")]
    assert len(ids) == len(set(ids))
    assert read_jsonl(out / "rejects.jsonl") == read_jsonl(full / "rejects.jsonl")
    assert [r["line"] for r in read_jsonl(out / "rejects.jsonl")] == [1501, 5001, 5501]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "cluster_id"} for r in rows]  # noqa: E731
    assert strip(read_jsonl(out / "clusters.jsonl")) == strip(read_jsonl(full / "clusters.jsonl"))


def test_resume_refuses_a_changed_input(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    audit([log], out, chunk_size=3000, keep_work=True)
    copy = tmp_path / "other.jsonl"
    copy.write_text(log.read_text(encoding="utf-8")[:-200], encoding="utf-8")
    with pytest.raises(ValueError, match="cannot resume"):
        audit([copy], out, chunk_size=3000, resume=True)
    with pytest.raises(ValueError, match="cannot resume"):
        audit([log], out, chunk_size=1000, resume=True)
    summary = audit([log], out, chunk_size=3000, resume=True)  # same input and options: nothing re-scored
    assert summary["chunks_resumed"] == summary["chunks"] == 2
    assert json.loads((out / "summary.json").read_text())["rows_read"] == 6000
