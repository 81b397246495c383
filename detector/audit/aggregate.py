"""Per-seller view: counts per label and decision, rates, first/last seen, worst examples, risk."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..labels import LABELS
from .distinct import DistinctCounter

DECISION_RANK = {"allow": 0, "review": 1, "block": 2}
EXAMPLES_PER_SELLER = 3


@lru_cache(maxsize=1)
def risk_rules() -> dict[str, Any]:
    return yaml.safe_load(Path(__file__).with_name("risk.yaml").read_text(encoding="utf-8"))


def _severity(rec: dict[str, Any]) -> tuple[int, float]:
    top = max((lr["score"] for lr in rec.get("labels", ())), default=0.0)
    return DECISION_RANK[rec["d"]], top


@dataclass
class SellerStats:
    seller_id: str
    messages: int = 0
    first_seen: str = ""
    last_seen: str = ""
    decisions: Counter[str] = field(default_factory=Counter)
    label_decisions: Counter[tuple[str, str]] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    customers_flagged: DistinctCounter = field(default_factory=DistinctCounter)
    bulk_clusters: set[int] = field(default_factory=set)
    _worst: list[tuple[tuple[int, float], int, dict[str, Any]]] = field(default_factory=list)
    _seq: int = 0

    def add(self, rec: dict[str, Any], bulk_cluster: int | None) -> None:
        self.messages += 1
        t = rec["t"]
        self.first_seen = min(self.first_seen, t) if self.first_seen else t
        self.last_seen = max(self.last_seen, t)
        self.decisions[rec["d"]] += 1
        self.languages[rec["lang"]] += 1
        if bulk_cluster is not None:
            self.bulk_clusters.add(bulk_cluster)
        if rec["d"] == "allow":
            return
        for lr in rec.get("labels", ()):
            self.label_decisions[(lr["label"], lr["decision"])] += 1
        self.customers_flagged.add(rec["c"])
        # keep the worst few (highest decision, then score; earliest wins ties)
        self._seq += 1
        item = (_severity(rec), -self._seq, rec)
        if len(self._worst) < EXAMPLES_PER_SELLER:
            heapq.heappush(self._worst, item)
        elif item[:2] > self._worst[0][:2]:
            heapq.heapreplace(self._worst, item)

    def label_count(self, label: str, decision: str | None = None) -> int:
        if decision:
            return self.label_decisions[(label, decision)]
        return sum(n for (lab, _), n in self.label_decisions.items() if lab == label)

    def examples(self) -> list[dict[str, Any]]:
        return [r for _, _, r in sorted(self._worst, key=lambda x: (x[0], x[1]), reverse=True)]

    def risk(self, promo_bulk_clusters: set[int]) -> dict[str, Any]:
        rules = risk_rules()
        points = 0
        for label in LABELS:
            blocks = self.label_count(label, "block")
            if blocks:
                spec = rules["labels"][label]
                points += spec["first"] + spec["repeat"] * ((blocks - 1) // rules["repeat_every"])
        points += rules["bulk_cluster"] * len(self.bulk_clusters & promo_bulk_clusters)
        points = min(points, rules["max_points"])
        consequence = "none"
        for tier in rules["tiers"]:
            if points >= tier["min_points"]:
                consequence = tier["consequence"]
        if points == 0 and self.decisions["review"]:
            consequence = "analyst review"
        score = round(100 * points / rules["max_points"])
        return {"penalty_points": points, "risk_score": score, "consequence": consequence}

    def row(self, promo_bulk_clusters: set[int]) -> dict[str, Any]:
        flagged = self.decisions["review"] + self.decisions["block"]
        row: dict[str, Any] = {
            "seller_id": self.seller_id,
            "messages": self.messages,
            "flagged": flagged,
            "blocked": self.decisions["block"],
            "review": self.decisions["review"],
            "violations_per_1000": round(1000 * self.decisions["block"] / self.messages, 2)
            if self.messages
            else 0,
            "flagged_per_1000": round(1000 * flagged / self.messages, 2) if self.messages else 0,
            "customers_affected": len(self.customers_flagged),
            "bulk_clusters": len(self.bulk_clusters & promo_bulk_clusters),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "top_language": self.languages.most_common(1)[0][0] if self.languages else "",
        }
        for label in LABELS:
            row[label] = self.label_count(label)
            row[f"{label}_block"] = self.label_count(label, "block")
        row.update(self.risk(promo_bulk_clusters))
        return row
