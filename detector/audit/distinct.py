"""Distinct counting in bounded memory: exact up to a cap, then a HyperLogLog estimate (~1.6% error)."""

from __future__ import annotations

from datasketch import HyperLogLog


class DistinctCounter:
    __slots__ = ("cap", "_exact", "_hll")

    def __init__(self, cap: int = 2_000):
        self.cap = cap
        self._exact: set[str] | None = set()
        self._hll: HyperLogLog | None = None

    def add(self, item: str) -> None:
        if self._exact is not None:
            self._exact.add(item)
            if len(self._exact) > self.cap:
                self._hll = HyperLogLog(p=12)
                for x in self._exact:
                    self._hll.update(x.encode("utf-8", "surrogatepass"))
                self._exact = None
        else:
            assert self._hll is not None
            self._hll.update(item.encode("utf-8", "surrogatepass"))

    def __len__(self) -> int:
        if self._exact is not None:
            return len(self._exact)
        assert self._hll is not None
        return max(self.cap, round(self._hll.count()))

    @property
    def estimated(self) -> bool:
        return self._exact is None
