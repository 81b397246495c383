"""The audit's work directory: a manifest and one set of files per finished chunk, written atomically.

A chunk counts as done only when its `.done.json` exists; it is renamed into place after the chunk's other
files, so a kill at any moment leaves either a complete chunk or none, and `--resume` re-scores only the rest.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .masking import NUM_PERM


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class WorkDir:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def prepare(self, manifest: dict[str, Any], resume: bool) -> set[int]:
        """Create (or, with resume, reopen) the work dir; returns the ids of chunks already done."""
        mpath = self.root / "manifest.json"
        if resume and mpath.exists():
            old = json.loads(mpath.read_text())
            if old != manifest:
                diff = sorted(k for k in set(old) | set(manifest) if old.get(k) != manifest.get(k))
                raise ValueError(f"cannot resume: the input or options changed ({', '.join(diff)})")
            return self.done_chunks()
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        _atomic_write_bytes(mpath, json.dumps(manifest, sort_keys=True).encode())
        return set()

    def done_chunks(self) -> set[int]:
        return {int(p.name[6:12]) for p in self.root.glob("chunk-*.done.json")}

    def _base(self, chunk_id: int) -> Path:
        return self.root / f"chunk-{chunk_id:06d}"

    def write_chunk(
        self,
        chunk_id: int,
        records: list[dict[str, Any]],
        sigs: np.ndarray,
        rejects: list[dict[str, Any]],
        stats: dict[str, Any],
    ) -> None:
        base = self._base(chunk_id)
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        _atomic_write_bytes(base.with_suffix(".jsonl"), lines.encode("utf-8", "surrogatepass"))
        rej = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rejects)
        _atomic_write_bytes(base.with_suffix(".rejects.jsonl"), rej.encode("utf-8", "surrogatepass"))
        _atomic_write_bytes(base.with_suffix(".sig"), np.ascontiguousarray(sigs, dtype=np.uint32).tobytes())
        _atomic_write_bytes(base.with_suffix(".done.json"), json.dumps(stats).encode())

    def read_stats(self, chunk_id: int) -> dict[str, Any]:
        return json.loads(self._base(chunk_id).with_suffix(".done.json").read_text())

    def iter_records(self, chunk_id: int) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
        base = self._base(chunk_id)
        sigs = np.fromfile(base.with_suffix(".sig"), dtype=np.uint32).reshape(-1, NUM_PERM)
        with open(base.with_suffix(".jsonl"), encoding="utf-8", errors="surrogatepass") as f:
            for i, line in enumerate(f):
                yield json.loads(line), sigs[i]

    def iter_rejects(self, chunk_id: int) -> Iterator[str]:
        with open(
            self._base(chunk_id).with_suffix(".rejects.jsonl"), encoding="utf-8", errors="surrogatepass"
        ) as f:
            yield from f

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
