"""End to end on a generated 20,000-message log: the audit finds the bulk pushers and group inviters."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from audit_util import audit, read_jsonl

from training.chatlog import write_chatlog


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    tmp = tmp_path_factory.mktemp("gen")
    log = tmp / "chats.jsonl.gz"
    truth = write_chatlog(log, 20_000, seed=11, corpus=None)
    out = tmp / "out"
    summary = audit([log], out, jobs=2)
    return out, summary, truth


def test_generator_log_is_realistic(audited: tuple[Path, dict, dict]) -> None:
    _, summary, truth = audited
    assert summary["rows_read"] == 20_000 and summary["rejected"] == 0
    assert summary["rows_read"] == summary["scored"] + summary["skipped"] + summary["rejected"]
    assert summary["skipped"] > 5_000  # customer replies
    assert summary["sellers"] >= 50
    assert len(truth["roles"]["pusher"]) == 3 and len(truth["roles"]["inviter"]) == 3
    assert len(set(truth["languages"].values())) >= 5


def test_bulk_pushers_and_inviters_are_found(audited: tuple[Path, dict, dict]) -> None:
    out, summary, truth = audited
    bad = set(truth["roles"]["pusher"]) | set(truth["roles"]["inviter"])
    clusters = read_jsonl(out / "clusters.jsonl")
    promo = [c for c in clusters if c["promotional"]]
    # every bad seller pushed at least one promotional cluster reaching >= 20 customers
    for seller in bad:
        mine = [c for c in promo if c["sellers"].get(seller, 0) >= 20 and c["customers"] >= 20]
        assert mine, f"no bulk cluster found for {seller}"
    # promotional clusters come from bad sellers only; honest templates cluster too, but are not promotional
    assert {s for c in promo for s in c["sellers"]} <= bad
    assert any(not c["promotional"] for c in clusters)
    with open(out / "cluster_members.csv", encoding="utf-8") as f:
        per_cluster = Counter(int(r["cluster_id"]) for r in csv.DictReader(f))
    assert per_cluster == {c["cluster_id"]: c["size"] for c in clusters}
    for c in promo:
        assert len(c["member_message_ids"]) == c["size"] and not c["members_truncated"]
        assert "<name>" in c["example_masked"] or "<code>" in c["example_masked"]
    assert summary["promotional_clusters"] == len(promo)


def test_bad_sellers_rank_first_and_honest_sellers_have_no_block(audited: tuple[Path, dict, dict]) -> None:
    out, summary, truth = audited
    bad = set(truth["roles"]["pusher"]) | set(truth["roles"]["inviter"])
    honest = set(truth["roles"]["honest"])
    with open(out / "sellers.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    top = {r["seller_id"] for r in rows[: len(bad)]}
    assert top == bad
    for r in rows:
        if r["seller_id"] in honest:
            assert int(r["blocked"]) == 0, r["seller_id"]
            assert int(r["penalty_points"]) == 0
        else:
            assert int(r["penalty_points"]) >= 24 and r["consequence"].startswith(("account", "shop"))
            assert int(r["penalty_points"]) <= 48
    findings = read_jsonl(out / "findings.jsonl")
    assert len(findings) == summary["flagged"]
    assert not [f for f in findings if f["seller_id"] in honest and f["decision"] == "block"]
    inviters = set(truth["roles"]["inviter"])
    assert {
        f["seller_id"] for f in findings if any(lr["label"] == "group_invite" for lr in f["labels"])
    } >= inviters
    bulk = [f for f in findings if f["cluster_id"] is not None and f["seller_id"] in bad]
    assert bulk and all(
        any(ev["rule_id"] == "audit.bulk_cluster" for lr in f["labels"] for ev in lr["evidence"])
        for f in bulk
    )


def test_summary_matches_outputs(audited: tuple[Path, dict, dict]) -> None:
    out, summary, _ = audited
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["flagged"] == summary["flagged"]
    assert sum(on_disk["decisions"].values()) == on_disk["scored"]
    assert set(on_disk["timings_s"]) >= {"score", "cluster", "outputs", "total"}
    assert not (out / ".audit-work").exists()  # checkpoints removed after success
