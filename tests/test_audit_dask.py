"""The Dask engine on a LocalCluster over partitioned Parquet gives the local engine's findings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from audit_util import audit, findings_key, read_jsonl

from detector.audit import AuditConfig
from detector.audit.engine_dask import collect_details, context_at, extract_details
from detector.audit.pipeline import iter_chunks
from detector.audit.readers import iter_parquet
from detector.audit.schema import to_message
from training.chatlog import write_chatlog


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dask")
    single = tmp / "chats.parquet"
    write_chatlog(single, 3_000, seed=4, corpus=None)
    table = pq.read_table(single)
    folder = tmp / "parts"
    folder.mkdir()
    bounds = [0, 700, 1500, 2300, table.num_rows]
    for i in range(4):
        chunk = table.slice(bounds[i], bounds[i + 1] - bounds[i])
        if i == 2:  # a bad row inside a partition: rejected by both engines with the same line
            df = chunk.to_pandas()
            df.loc[10, "text"] = None
            pq.write_table(
                pa.Table.from_pandas(df, schema=chunk.schema, preserve_index=False),
                folder / f"part-{i:02d}.parquet",
            )
        else:
            pq.write_table(chunk, folder / f"part-{i:02d}.parquet")
    return folder


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_dask_engine_matches_local_engine(parts: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    local = audit([parts], tmp_path / "local", chunk_size=500, jobs=1)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = audit([parts], tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address)
    assert dask["engine"] == "dask" and dask["chunks"] == 4
    for key in (
        "rows_read",
        "scored",
        "skipped",
        "rejected",
        "flagged",
        "decisions",
        "labels",
        "bulk_clusters",
    ):
        assert dask[key] == local[key], key
    assert dask["rejected"] == 1 and dask["flagged"] > 100
    assert findings_key(tmp_path / "dask") == findings_key(tmp_path / "local")
    assert read_jsonl(tmp_path / "dask" / "rejects.jsonl") == read_jsonl(tmp_path / "local" / "rejects.jsonl")
    assert read_jsonl(tmp_path / "dask" / "clusters.jsonl") == read_jsonl(
        tmp_path / "local" / "clusters.jsonl"
    )
    assert (tmp_path / "dask" / "sellers.csv").read_text() == (tmp_path / "local" / "sellers.csv").read_text()


def test_dask_context_equals_streaming_context(parts: Path) -> None:
    """Customer details given in an earlier partition reach the seller's later messages, as when streaming."""
    cfg = AuditConfig(inputs=[str(parts)], out="unused", chunk_size=250)
    local = {
        m.message_id: c
        for _, msgs, ctxs, _, _ in iter_chunks(cfg, set())
        for m, c in zip(msgs, ctxs, strict=True)
    }
    files = sorted(parts.glob("*.parquet"))
    found = pd.concat(
        [extract_details(pd.read_parquet(f), {}, {"number": i}) for i, f in enumerate(files)],
        ignore_index=True,
    )
    details = collect_details(found)
    remote = {}
    for i, f in enumerate(files):
        for rec in iter_parquet(f):
            if rec.row and rec.row.get("sender") == "seller" and rec.row.get("text"):
                m = to_message(rec.row, {}, rec.line, str(f))
                remote[m.message_id] = context_at(m, i, rec.line, details)
    assert remote == local
    with_recipient = [k for k, c in local.items() if "recipient" in c]
    assert len(with_recipient) > 20


def test_dask_engine_needs_parquet(tmp_path: Path) -> None:
    log = tmp_path / "chats.jsonl"
    write_chatlog(log, 200, seed=1, corpus=None)
    with pytest.raises(ValueError, match="reads Parquet"):
        audit([log], tmp_path / "out", engine="dask", scheduler="tcp://127.0.0.1:1")
