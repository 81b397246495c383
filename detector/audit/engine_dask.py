"""Dask engine: the same scoring over partitioned Parquet on a Dask cluster (a LocalCluster by default).

One partition per Parquet file (in the sorted order the local engine reads): sources and line numbers match.
Pass 1 (`map_partitions`) collects the contact details customers gave, keyed by conversation and position;
pass 2 scores each partition with the same context the local engine builds while streaming, so findings are
identical. The driver writes the returned chunks into the same checkpoint files; clustering and outputs are
shared with the local engine.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .checkpoint import WorkDir
from .config import AuditConfig
from .context import ConversationContext
from .readers import _decode, detect_format, parquet_files
from .schema import Message, RowError, to_message
from .scoring import score_messages
from .seen_ids import duplicate_reason

Details = dict[str, list[tuple[int, int, str, str]]]  # conversation -> [(partition, row, field, value)]


def _rows(pdf: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with the Python types pyarrow's reader gives the local engine (None, int, str, datetime)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(pdf.reset_index(drop=True), preserve_index=False)
    return [{k: _decode(v) for k, v in row.items()} for row in table.to_pylist()]


def _valid_messages(
    pdf: pd.DataFrame, mapping: dict[str, str], partition_info: dict | None
) -> Iterator[tuple[int, int, Message]]:
    """(partition, row, message) of each valid row; bad rows are pass 2's business (rejects)."""
    part = partition_info["number"] if partition_info else 0
    for i, row in enumerate(_rows(pdf), start=1):
        try:
            yield part, i, to_message(row, mapping, i, "")
        except RowError:
            continue


def extract_details(
    pdf: pd.DataFrame, mapping: dict[str, str], partition_info: dict | None = None
) -> pd.DataFrame:
    """Pass 1: the contact details in customer messages, with their position."""
    out = []
    for part, i, m in _valid_messages(pdf, mapping, partition_info):
        if m.sender != "customer":
            continue
        ctx = ConversationContext()
        ctx.observe(m)
        for field, value in (ctx._seen.get(m.conversation_id) or {}).items():
            out.append((m.conversation_id, part, i, field, value))
    return pd.DataFrame(out, columns=["conversation_id", "part", "row", "field", "value"])


def extract_ids(
    pdf: pd.DataFrame, mapping: dict[str, str], partition_info: dict | None = None
) -> pd.DataFrame:
    """Pass 1b: every valid row's message id with its position, to find the ids that occur twice."""
    out = [(m.message_id, part, i) for part, i, m in _valid_messages(pdf, mapping, partition_info)]
    return pd.DataFrame(out, columns=["message_id", "part", "row"])


def later_duplicates(ids: Any) -> set[tuple[int, int]]:
    """(partition, row) of each row whose id an earlier row had: the rows the local engine rejects."""
    counts = ids.groupby("message_id").size()
    twice = counts[counts > 1].index.compute()
    if len(twice) == 0:
        return set()
    found = ids[ids["message_id"].isin(list(twice))].compute()
    found = found.sort_values(["part", "row"], kind="stable")
    later = found[found.duplicated("message_id", keep="first")]
    return {(int(p), int(r)) for p, r in zip(later["part"], later["row"], strict=True)}


def context_at(m: Message, part: int, row: int, details: Details) -> dict[str, Any]:
    """The context the local engine has for message `m` at (partition, row) when streaming."""
    ctx: dict[str, Any] = {"channel": "chat"}
    if m.order_id:
        ctx["order_id"] = m.order_id
    recipient: dict[str, str] = {}
    for p, r, field, value in details.get(m.conversation_id, ()):
        if (p, r) < (part, row):
            recipient[field] = value  # entries are in position order: the latest wins, as when streaming
    if recipient:
        ctx["recipient"] = recipient
    return ctx


def collect_details(found: pd.DataFrame) -> Details:
    details: Details = {}
    rows = found.sort_values(["part", "row"], kind="stable").itertuples(index=False)
    for conv, part, row, field, value in rows:
        details.setdefault(conv, []).append((int(part), int(row), field, value))
    return details


def score_partition(
    pdf: pd.DataFrame,
    part: int,
    source: str,
    details: Details,
    duplicates: set[tuple[int, int]],
    mapping: dict[str, str],
    detector_options: dict[str, Any],
) -> dict[str, Any]:
    """Pass 2: validate and score one partition; returns the chunk for the driver to checkpoint."""
    msgs: list[Message] = []
    contexts: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    skipped = 0
    rows = _rows(pdf)
    for i, row in enumerate(rows, start=1):
        try:
            m = to_message(row, mapping, i, source)
        except RowError as e:
            rejects.append({"source": source, "line": i, "reason": str(e)})
            continue
        if (part, i) in duplicates:
            rejects.append({"source": source, "line": i, "reason": duplicate_reason(m.message_id)})
            continue
        if m.sender == "customer" or not m.text.strip():
            skipped += 1
            continue
        msgs.append(m)
        contexts.append(context_at(m, part, i, details))
    records, sigs, refused = score_messages(msgs, contexts, detector_options)
    all_rejects = rejects + refused
    stats = {
        "chunk": part,
        "rows": len(rows),
        "scored": len(records),
        "skipped": skipped,
        "rejected": len(all_rejects),
    }
    return {"records": records, "sigs": sigs, "rejects": all_rejects, "stats": stats}


def score_dask(cfg: AuditConfig, wd: WorkDir, done: set[int]) -> None:
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    files = []
    for path in cfg.inputs:
        if (cfg.fmt or detect_format(path)) != "parquet":
            raise ValueError(
                f"the dask engine reads Parquet; {path} is not (convert it, or use --engine local)"
            )
        files.extend(str(f) for f in parquet_files(path))
    if not files:
        raise ValueError("no Parquet files in the input")
    from .pipeline import n_jobs

    cluster = None
    if cfg.scheduler:
        client = Client(cfg.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=n_jobs(cfg.jobs), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        ddf = dd.read_parquet(files, split_row_groups=False)
        if ddf.npartitions != len(files):
            raise RuntimeError(
                f"expected one partition per file, got {ddf.npartitions} for {len(files)} files"
            )
        meta = pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in [
                    ("conversation_id", object),
                    ("part", "int64"),
                    ("row", "int64"),
                    ("field", object),
                    ("value", object),
                ]
            }
        )
        found = ddf.map_partitions(extract_details, cfg.column_map, meta=meta).compute()
        details = collect_details(found)
        details_f = client.scatter(details, broadcast=True)
        id_meta = pd.DataFrame(
            {
                "message_id": pd.Series(dtype=object),
                "part": pd.Series(dtype="int64"),
                "row": pd.Series(dtype="int64"),
            }
        )
        dups = later_duplicates(ddf.map_partitions(extract_ids, cfg.column_map, meta=id_meta))
        dups_f = client.scatter(dups, broadcast=True)
        parts = ddf.to_delayed()
        todo = [i for i in range(len(parts)) if i not in done]
        window = max(2, 2 * len(client.scheduler_info().get("workers", {}) or [1]))
        pending: deque[tuple[int, Any]] = deque()
        from tqdm import tqdm

        bar = tqdm(
            total=len(files), initial=len(done), unit="part", disable=not cfg.progress, desc="audit[dask]"
        )
        for i in todo:
            task = dask.delayed(score_partition)(
                parts[i], i, files[i], details_f, dups_f, cfg.column_map, cfg.detector_options
            )
            pending.append((i, client.compute(task)))
            while len(pending) >= window:
                _store(wd, *pending.popleft())
                bar.update(1)
        while pending:
            _store(wd, *pending.popleft())
            bar.update(1)
        bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _store(wd: WorkDir, part: int, future: Any) -> None:
    res = future.result()
    sigs = np.asarray(res["sigs"], dtype=np.uint32)
    wd.write_chunk(part, res["records"], sigs, res["rejects"], res["stats"])
