"""Options of one audit run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class AuditConfig:
    inputs: list[str]
    out: str
    fmt: str | None = None  # jsonl | csv | parquet; None = by extension
    column_map: dict[str, str] = field(default_factory=dict)  # source column -> field
    bulk_min: int = 20  # distinct customers for a near-duplicate cluster to count as a bulk push
    similarity: float = 0.8  # MinHash Jaccard threshold for "near-identical"
    resume: bool = False
    engine: str = "local"  # local | dask
    scheduler: str | None = None  # Dask scheduler address; None = a LocalCluster
    jobs: int = -1  # worker processes (joblib semantics: -1 = all cores)
    chunk_size: int = 2000
    detector_options: dict[str, Any] = field(default_factory=dict)
    progress: bool = True
    keep_work: bool = False  # keep the checkpoint directory after a successful run
    max_reps: int = 50_000
    max_conversations: int = 100_000  # conversations whose customer details are remembered (LRU)

    @property
    def workdir(self) -> Path:
        return Path(self.out) / ".audit-work"
