"""Bulk-push clustering: near-identical seller messages (slots masked) grouped with MinHash LSH, streaming.

Messages are fed in input order; each joins the cluster of an earlier representative with the same key text
(exact hash) or a similar signature (LSH candidate whose estimated Jaccard >= threshold, lowest id wins,
so the result is deterministic), or starts a new cluster. Memory is bounded: past `max_reps` representatives,
the oldest clusters that still have a single message are forgotten.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from .distinct import DistinctCounter
from .masking import NUM_PERM, exact_key

PROMO_LABELS = frozenset({"bulk_marketing", "group_invite", "offplatform_contact", "unsolicited_shipment"})


@dataclass
class ClusterState:
    cid: int
    sig: np.ndarray
    ekey: int
    example: str
    example_id: str
    first: str
    last: str
    n: int = 0
    promo: int = 0
    customers: DistinctCounter = field(default_factory=DistinctCounter)
    sellers: Counter[str] = field(default_factory=Counter)

    @property
    def n_customers(self) -> int:
        """Distinct customers reached (exact up to 2,000, estimated beyond)."""
        return len(self.customers)


def is_promo_record(rec: dict[str, Any]) -> bool:
    return bool(rec.get("p")) or any(lr["label"] in PROMO_LABELS for lr in rec.get("labels", ()))


class BulkClusterer:
    def __init__(self, threshold: float = 0.8, max_reps: int = 50_000):
        self.threshold = threshold
        self.max_reps = max_reps
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.exact: dict[int, int] = {}
        self.clusters: dict[int, ClusterState] = {}
        self._singletons: OrderedDict[int, None] = OrderedDict()
        self._next = 0
        self.evicted = 0
        # one reusable MinHash shell (building one per message costs more than the LSH lookup itself)
        self._probe = MinHash(num_perm=NUM_PERM, hashvalues=np.zeros(NUM_PERM, np.uint32), scheme="affine32")

    def _minhash(self, sig: np.ndarray) -> MinHash:
        self._probe.hashvalues = np.asarray(sig, dtype=np.uint32)
        return self._probe

    def _match(self, sig: np.ndarray, ekey: int) -> int | None:
        cid = self.exact.get(ekey)
        if cid is not None:
            return cid
        best: int | None = None
        for cand in self.lsh.query(self._minhash(sig)):
            c = self.clusters.get(cand)
            if c is not None and (best is None or cand < best):
                if float(np.mean(c.sig == sig)) >= self.threshold:
                    best = cand
        return best

    def add(self, rec: dict[str, Any], sig: np.ndarray) -> int:
        """Assign one scored seller message to a cluster; returns the cluster id."""
        ekey = exact_key(rec["k"])
        cid = self._match(sig, ekey)
        if cid is None:
            cid = self._next
            self._next += 1
            sig = np.array(sig, dtype=np.uint32)
            c = ClusterState(cid, sig, ekey, rec["k"], rec["m"], rec["t"], rec["t"])
            self.clusters[cid] = c
            self.exact[ekey] = cid
            self.lsh.insert(cid, self._minhash(sig))
            self._singletons[cid] = None
            self._evict()
        c = self.clusters[cid]
        if c.n == 1:
            self._singletons.pop(cid, None)
        c.n += 1
        c.promo += is_promo_record(rec)
        c.first, c.last = min(c.first, rec["t"]), max(c.last, rec["t"])
        c.sellers[rec["s"]] += 1
        c.customers.add(rec["c"])
        return cid

    def _evict(self) -> None:
        while len(self.clusters) > self.max_reps and self._singletons:
            old, _ = self._singletons.popitem(last=False)
            c = self.clusters.pop(old)
            self.lsh.remove(old)
            if self.exact.get(c.ekey) == old:
                del self.exact[c.ekey]
            self.evicted += 1

    def bulk(self, min_customers: int) -> dict[int, ClusterState]:
        """Clusters that reached `min_customers` distinct customers."""
        return {cid: c for cid, c in self.clusters.items() if c.n_customers >= min_customers}


def cluster_is_promotional(c: ClusterState) -> bool:
    """A bulk cluster gets `bulk_marketing` when most of its messages are promotional or invitations."""
    return c.n > 0 and c.promo * 2 >= c.n
