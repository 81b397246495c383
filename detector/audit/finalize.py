"""From the checkpointed chunks to the outputs: bulk labels, findings, per-seller rows, clusters, summary."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ..labels import LABELS, POLICY_RULE
from .aggregate import SellerStats
from .checkpoint import WorkDir
from .clusters import BulkClusterer, ClusterState, cluster_is_promotional

MEMBERS_CAP = (
    50_000  # member ids listed per cluster in clusters.jsonl (every member's finding names its cluster)
)


def cluster_chunks(wd: WorkDir, chunk_ids: list[int], clusterer: BulkClusterer) -> None:
    """Feed chunks (in order) to the clusterer; the assignment of each record is saved beside its chunk."""
    for cid in chunk_ids:
        assign = [clusterer.add(rec, sig) for rec, sig in wd.iter_records(cid)]
        np.asarray(assign, dtype=np.int64).tofile(wd.root / f"chunk-{cid:06d}.cid")


def _bulk_label(c: ClusterState) -> dict[str, Any]:
    return {
        "label": "bulk_marketing",
        "score": 1.0,
        "decision": "block",
        "policy_rule": POLICY_RULE["bulk_marketing"],
        "rule_score": 1.0,
        "model_score": None,
        "evidence": [
            {
                "start": None,
                "end": None,
                "text": f"near-identical promotion sent to {c.n_customers} customers (cluster {c.cid})",
                "rule_id": "audit.bulk_cluster",
                "model": None,
                "weight": 1.0,
                "masked": False,
                "negated": False,
            }
        ],
    }


def apply_bulk(rec: dict[str, Any], c: ClusterState) -> None:
    """Give a member of a promotional bulk cluster `bulk_marketing` (block), keeping the evidence."""
    labels = rec.setdefault("labels", [])
    fact = _bulk_label(c)
    for lr in labels:
        if lr["label"] == "bulk_marketing":
            lr["decision"] = "block"
            lr["score"] = max(lr["score"], fact["score"])
            lr["evidence"].append(fact["evidence"][0])
            break
    else:
        labels.append(fact)
    rec["d"] = "block"


def finalize(
    wd: WorkDir, chunk_ids: list[int], clusterer: BulkClusterer, out: Path, bulk_min: int
) -> dict[str, Any]:
    bulk = clusterer.bulk(bulk_min)
    promo = {cid for cid, c in bulk.items() if cluster_is_promotional(c)}
    sellers: dict[str, SellerStats] = {}
    members: dict[int, list[str]] = {cid: [] for cid in bulk}
    by_label: Counter[str] = Counter()
    by_label_decision: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    flagged = 0
    with (
        open(out / "findings.jsonl", "w", encoding="utf-8", errors="surrogatepass") as f,
        open(out / "cluster_members.csv", "w", newline="", encoding="utf-8", errors="surrogatepass") as fm,
    ):
        members_csv = csv.writer(fm)
        members_csv.writerow(["cluster_id", "message_id", "seller_id", "customer_id", "sent_at"])
        for chunk in chunk_ids:
            assign = np.fromfile(wd.root / f"chunk-{chunk:06d}.cid", dtype=np.int64)
            for (rec, _sig), cid in zip(wd.iter_records(chunk), assign, strict=True):
                cid = int(cid)
                in_bulk = cid in bulk
                if in_bulk:
                    members_csv.writerow([cid, rec["m"], rec["s"], rec["c"], rec["t"]])
                    if len(members[cid]) < MEMBERS_CAP:
                        members[cid].append(rec["m"])
                if cid in promo:
                    apply_bulk(rec, bulk[cid])
                    if "x" not in rec:
                        rec["x"] = rec["k"]  # the clustering key text is already masked
                seller = sellers.get(rec["s"]) or sellers.setdefault(rec["s"], SellerStats(rec["s"]))
                seller.add(rec, cid if in_bulk else None)
                decisions[rec["d"]] += 1
                if rec["d"] == "allow":
                    continue
                flagged += 1
                by_lang[rec["lang"]] += 1
                by_day[rec["t"][:10]] += 1
                for lr in rec.get("labels", ()):
                    if lr["decision"] != "allow":
                        by_label[lr["label"]] += 1
                        by_label_decision[f"{lr['label']}:{lr['decision']}"] += 1
                finding = {
                    "message_id": rec["m"],
                    "seller_id": rec["s"],
                    "customer_id": rec["c"],
                    "conversation_id": rec["v"],
                    "sent_at": rec["t"],
                    "language": rec["lang"],
                    "decision": rec["d"],
                    "labels": rec.get("labels", []),
                    "cluster_id": cid if in_bulk else None,
                    "source": rec["src"],
                    "line": rec["ln"],
                    "text_masked": rec.get("x", ""),
                }
                f.write(json.dumps(finding, ensure_ascii=False) + "\n")

    seller_rows = sorted(
        (s.row(promo) for s in sellers.values()),
        key=lambda r: (-r["risk_score"], -r["flagged"], r["seller_id"]),
    )
    with open(out / "sellers.csv", "w", newline="", encoding="utf-8") as f:
        if seller_rows:
            w = csv.DictWriter(f, fieldnames=list(seller_rows[0]))
            w.writeheader()
            w.writerows(seller_rows)

    cluster_rows = []
    for cid in sorted(bulk, key=lambda k: (-bulk[k].n_customers, k)):
        c = bulk[cid]
        cluster_rows.append(
            {
                "cluster_id": cid,
                "size": c.n,
                "customers": c.n_customers,
                "customers_estimated": c.customers.estimated,
                "sellers": dict(c.sellers.most_common()),
                "first_sent_at": c.first,
                "last_sent_at": c.last,
                "promotional": cid in promo,
                "example_masked": c.example,
                "example_message_id": c.example_id,
                "member_message_ids": members[cid],
                "members_truncated": c.n > len(members[cid]),
            }
        )
    with open(out / "clusters.jsonl", "w", encoding="utf-8") as f:
        for row in cluster_rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    examples = {s.seller_id: s.examples() for s in sellers.values()}
    return {
        "flagged": flagged,
        "decisions": dict(decisions),
        "labels": {lab: by_label.get(lab, 0) for lab in LABELS},
        "label_decisions": dict(sorted(by_label_decision.items())),
        "languages": dict(by_lang.most_common()),
        "days": dict(sorted(by_day.items())),
        "sellers": len(sellers),
        "bulk_clusters": len(bulk),
        "promotional_clusters": len(promo),
        "clusterer_evicted": clusterer.evicted,
        "_seller_rows": seller_rows,
        "_cluster_rows": cluster_rows,
        "_examples": examples,
    }


def write_rejects(wd: WorkDir, chunk_ids: list[int], out: Path) -> None:
    with open(out / "rejects.jsonl", "w", encoding="utf-8", errors="surrogatepass") as f:
        for cid in chunk_ids:
            for line in wd.iter_rejects(cid):
                f.write(line)
