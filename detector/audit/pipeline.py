"""The audit run: read -> chunks -> parallel scoring (checkpointed) -> clustering -> outputs.

The local engine scores chunks with joblib across processes; the Dask engine (engine_dask.py) produces the
same chunk files from Parquet partitions. Everything after scoring is shared, so both give the same findings.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .checkpoint import WorkDir
from .clusters import BulkClusterer
from .config import AuditConfig
from .context import ConversationContext
from .finalize import cluster_chunks, finalize, write_rejects
from .readers import detect_format, iter_records, parquet_files
from .schema import Message, RowError, to_message
from .scoring import detector_fingerprint, process_chunk
from .seen_ids import SeenIds, duplicate_reason

Chunk = tuple[int, list[Message], list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]


def n_jobs(jobs: int) -> int:
    cpus = os.cpu_count() or 1
    return max(1, cpus + 1 + jobs if jobs < 0 else jobs)


def iter_chunks(cfg: AuditConfig, skip: set[int]) -> Iterator[Chunk]:
    """Validated chunks of `chunk_size` rows; chunks in `skip` are read (for context) but not yielded.

    A row whose message_id an earlier row already had is rejected as a duplicate (checked per chunk, so
    resumed runs, which re-read every row, reject the same rows).
    """
    ctx = ConversationContext(cfg.max_conversations)
    seen = SeenIds()
    chunk_id, msgs, contexts, rejects, rows, skipped = 0, [], [], [], 0, 0
    ids: list[tuple[Message, int | None, int]] = []  # valid rows: (message, index into msgs if scored, row)

    def flush() -> Chunk:
        nonlocal msgs, contexts, skipped
        dup = seen.mark([m.message_id for m, _, _ in ids])
        if dup.any():
            drop = set()
            for (m, at, row), is_dup in zip(ids, dup, strict=True):
                if not is_dup:
                    continue
                reason = duplicate_reason(m.message_id)
                rejects.append((row, {"source": m.source, "line": m.line, "reason": reason}))
                if at is None:
                    skipped -= 1
                else:
                    drop.add(at)
            rejects.sort(key=lambda r: r[0])
            msgs = [m for i, m in enumerate(msgs) if i not in drop]
            contexts = [c for i, c in enumerate(contexts) if i not in drop]
        rows_rejected = [r for _, r in rejects]
        return chunk_id, msgs, contexts, rows_rejected, {"rows": rows, "skipped": skipped}

    for rec in iter_records(list(cfg.inputs), cfg.fmt):
        rows += 1
        if rec.error is not None:
            rejects.append((rows, {"source": rec.source, "line": rec.line, "reason": rec.error}))
        else:
            try:
                m = to_message(rec.row or {}, cfg.column_map, rec.line, rec.source)
            except RowError as e:
                rejects.append((rows, {"source": rec.source, "line": rec.line, "reason": str(e)}))
            else:
                if m.sender == "customer":
                    ctx.observe(m)
                    skipped += 1
                    ids.append((m, None, rows))
                elif not m.text.strip():
                    skipped += 1
                    ids.append((m, None, rows))
                else:
                    ids.append((m, len(msgs), rows))
                    msgs.append(m)
                    contexts.append(ctx.for_seller(m))
        if rows == cfg.chunk_size:
            chunk = flush()
            if chunk_id not in skip:
                yield chunk
            chunk_id, msgs, contexts, rejects, rows, skipped, ids = chunk_id + 1, [], [], [], 0, 0, []
    if rows:
        chunk = flush()
        if chunk_id not in skip:
            yield chunk


def estimate_rows(cfg: AuditConfig) -> int | None:
    """A cheap estimate of the input's row count for the progress bar's ETA (Parquet metadata, else bytes)."""
    total = 0
    for path in cfg.inputs:
        fmt = cfg.fmt or detect_format(path)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            total += sum(pq.ParquetFile(f).metadata.num_rows for f in parquet_files(path))
            continue
        p = Path(path)
        with open(p, "rb") as f:
            gz = f.read(2) == b"\x1f\x8b"
        size = p.stat().st_size
        if gz:  # ISIZE trailer: uncompressed size mod 2**32
            with open(p, "rb") as f:
                f.seek(-4, os.SEEK_END)
                size = max(size, struct.unpack("<I", f.read(4))[0])
        opener = gzip.open if gz else open
        with opener(p, "rb") as f:
            head = f.read(1 << 20)
        lines = max(1, head.count(b"\n"))
        total += int(size / (len(head) / lines)) if head else 0
    return total or None


def manifest(cfg: AuditConfig) -> dict[str, Any]:
    files = []
    for path in cfg.inputs:
        p = Path(path)
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            if f.is_file():
                st = f.stat()
                files.append([str(f.resolve()), st.st_size, int(st.st_mtime)])
    return {
        "inputs": files,
        "format": cfg.fmt,
        "map": cfg.column_map,
        "chunk_size": cfg.chunk_size if cfg.engine == "local" else None,
        "engine": cfg.engine,
        "detector_options": cfg.detector_options,
    }


def _progress(cfg: AuditConfig, total: int | None, done_rows: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done_rows,
        unit="msg",
        unit_scale=True,
        smoothing=0.1,
        disable=not cfg.progress,
        desc="audit",
        dynamic_ncols=True,
    )


def score_local(cfg: AuditConfig, wd: WorkDir, done: set[int]) -> None:
    jobs = n_jobs(cfg.jobs)
    done_rows = sum(wd.read_stats(c)["rows"] for c in done)
    bar = _progress(cfg, estimate_rows(cfg), done_rows)
    tasks = (
        (cid, str(wd.root), msgs, ctxs, rej, counts, cfg.detector_options)
        for cid, msgs, ctxs, rej, counts in iter_chunks(cfg, done)
    )
    try:
        if jobs == 1:
            for args in tasks:
                bar.update(process_chunk(*args)["rows"])
        else:
            from joblib import Parallel, delayed

            par = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs", batch_size=1)
            for stats in par(delayed(process_chunk)(*args) for args in tasks):
                bar.update(stats["rows"])
    finally:
        bar.close()


def run_audit(cfg: AuditConfig) -> dict[str, Any]:
    """Run one audit; writes the outputs to cfg.out and returns summary.json's content."""
    t0 = time.perf_counter()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    wd = WorkDir(cfg.workdir)
    fingerprint = detector_fingerprint(cfg.detector_options)
    version = fingerprint["version"]
    done = wd.prepare({**manifest(cfg), "detector": fingerprint}, cfg.resume)
    resumed_chunks = len(done)
    if cfg.engine == "dask":
        from .engine_dask import score_dask

        score_dask(cfg, wd, done)
    elif cfg.engine == "local":
        score_local(cfg, wd, done)
    else:
        raise ValueError(f"unknown engine {cfg.engine!r}: use local or dask")
    t_score = time.perf_counter()
    chunk_ids = sorted(wd.done_chunks())
    stats = [wd.read_stats(c) for c in chunk_ids]
    clusterer = BulkClusterer(threshold=cfg.similarity, max_reps=cfg.max_reps)
    cluster_chunks(wd, chunk_ids, clusterer)
    t_cluster = time.perf_counter()
    result = finalize(wd, chunk_ids, clusterer, out, cfg.bulk_min)
    write_rejects(wd, chunk_ids, out)
    t_final = time.perf_counter()
    totals = {k: sum(s[k] for s in stats) for k in ("rows", "scored", "skipped", "rejected")}
    summary: dict[str, Any] = {
        "rows_read": totals["rows"],
        "scored": totals["scored"],
        "skipped": totals["skipped"],
        "rejected": totals["rejected"],
        **{k: v for k, v in result.items() if not k.startswith("_")},
        "chunks": len(chunk_ids),
        "chunks_resumed": resumed_chunks,
        "engine": cfg.engine,
        "jobs": n_jobs(cfg.jobs) if cfg.engine == "local" else None,
        "bulk_min": cfg.bulk_min,
        "detector_version": version,
        "timings_s": {
            "score": round(t_score - t0, 3),
            "cluster": round(t_cluster - t_score, 3),
            "outputs": round(t_final - t_cluster, 3),
            "total": round(t_final - t0, 3),
        },
    }
    summary["messages_per_s"] = round(summary["rows_read"] / max(t_final - t0, 1e-9), 1)
    from .report import render_report

    render_report(
        out / "report.html", summary, result["_seller_rows"], result["_cluster_rows"], result["_examples"]
    )
    summary["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    if not cfg.keep_work:
        wd.remove()
    return summary
