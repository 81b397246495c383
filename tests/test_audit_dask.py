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

# (file, row) of the later copies of a message id the fixture plants
DUPLICATES = [
    ("part-01.parquet", 21),
    ("part-03.parquet", 31),
    ("part-03.parquet", 32),
    ("part-03.parquet", 41),
]


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dask")
    single = tmp / "chats.parquet"
    write_chatlog(single, 3_000, seed=4, corpus=None)
    table = pq.read_table(single)
    folder = tmp / "parts"
    folder.mkdir()
    bounds = [0, 700, 1500, 2300, table.num_rows]
    first_ids = table.column("message_id").to_pylist()[:2]
    for i in range(4):
        df = table.slice(bounds[i], bounds[i + 1] - bounds[i]).to_pandas()
        if i == 2:  # a bad row inside a partition: rejected by both engines with the same line
            df.loc[10, "text"] = None
        if i == 1:  # a message re-exported later: both engines reject the second copy
            df.loc[20, "message_id"] = first_ids[0]
        if i == 3:  # the same id twice within one partition, and once more from partition 0
            df.loc[[30, 31], "message_id"] = df.loc[29, "message_id"]
            df.loc[40, "message_id"] = first_ids[1]
        pq.write_table(
            pa.Table.from_pandas(df, schema=table.schema, preserve_index=False),
            folder / f"part-{i:02d}.parquet",
        )
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
    assert dask["rejected"] == 5 and dask["flagged"] > 100
    duplicates = [r for r in read_jsonl(tmp_path / "dask" / "rejects.jsonl") if "duplicate" in r["reason"]]
    assert [(Path(r["source"]).name, r["line"]) for r in duplicates] == DUPLICATES
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
        (Path(m.source).name, m.line): c
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
                remote[(f.name, rec.line)] = context_at(m, i, rec.line, details)
    # the local engine drops the later copies of a duplicated id
    dropped = set(remote) - set(local)
    assert dropped == {k for k in DUPLICATES if k in remote} and len(dropped) >= 2
    assert {k: v for k, v in remote.items() if k in local} == local
    with_recipient = [k for k, c in local.items() if "recipient" in c]
    assert len(with_recipient) > 20


def test_dask_engine_needs_parquet(tmp_path: Path) -> None:
    log = tmp_path / "chats.jsonl"
    write_chatlog(log, 200, seed=1, corpus=None)
    with pytest.raises(ValueError, match="reads Parquet"):
        audit([log], tmp_path / "out", engine="dask", scheduler="tcp://127.0.0.1:1")
