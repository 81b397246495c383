"""Duplicate message ids across a whole audit, in 8 bytes per id.

Re-exported or overlapping chat logs repeat messages; scoring them twice would double a seller's violations.
Ids are kept as 64-bit hashes in sorted runs merged like a binary counter (an LSM tree in miniature): a
chunk is checked with one vectorised `searchsorted` per run, and 1M ids take 8 MB.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def id_key(message_id: str) -> int:
    """A 64-bit key for an id, the same from run to run (unlike `hash`, which is salted per process)."""
    digest = hashlib.blake2b(message_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def duplicate_reason(message_id: str) -> str:
    return f"duplicate message_id {message_id!r}: an earlier row has the same id"


class SeenIds:
    __slots__ = ("_runs",)

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []  # sorted, unique; sizes roughly halve from first to last

    def __len__(self) -> int:
        return sum(r.size for r in self._runs)

    def mark(self, message_ids: Sequence[str]) -> np.ndarray:
        """A bool per id: True when the id was seen before (in an earlier call or earlier in this one)."""
        keys = np.fromiter((id_key(m) for m in message_ids), dtype=np.int64, count=len(message_ids))
        before = _isin_runs(keys, self._runs)
        uniq, first = np.unique(keys, return_index=True)
        dup = np.ones(keys.size, dtype=bool)
        dup[first] = False
        dup |= before
        fresh = uniq[~before[first]]
        if fresh.size:
            self._push(fresh)
        return dup

    def _push(self, run: np.ndarray) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and self._runs[-2].size <= 2 * self._runs[-1].size:
            top = self._runs.pop()
            self._runs[-1] = np.union1d(self._runs[-1], top)


def _isin_runs(keys: np.ndarray, runs: list[np.ndarray]) -> np.ndarray:
    found = np.zeros(keys.size, dtype=bool)
    for run in runs:
        pos = np.minimum(np.searchsorted(run, keys), run.size - 1)
        found |= run[pos] == keys
    return found
