"""Audit units: slot masking, near-duplicate clustering, display masking, risk, audit_frame, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from audit_util import read_jsonl, row

from detector.audit import audit_frame
from detector.audit.aggregate import SellerStats
from detector.audit.clusters import BulkClusterer
from detector.audit.masking import cluster_key_text, mask_pii_display, signature
from detector.audit.report import highlight

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Hi Siti, 11.11 SALE! Use code SAVE30X for 30% off. Order OD1234567",
            "Hi Budi Santoso, 11.11 SALE! Use code KJH77Q for 25% off. Order OD9999999",
        ),
        ("คุณสมชาย ลดราคา 30% ใช้โค้ด AB12CD", "คุณนภา ลดราคา 50% ใช้โค้ด ZZ99XY"),
        ("王先生您好！全场20%优惠，优惠码A1B2C3", "李先生您好！全场50%优惠，优惠码Q9W8E7"),
        (
            "Join https://chat.whatsapp.com/AbC123?ref=c1 now, mail me@x.com",
            "Join https://chat.whatsapp.com/AbC123?ref=c2 now, mail you@y.org",
        ),
    ],
)
def test_customer_slots_are_masked(a: str, b: str) -> None:
    assert cluster_key_text(a) == cluster_key_text(b)


def test_different_messages_keep_different_keys() -> None:
    # Chinese text is not swallowed by the code mask; words are kept
    assert cluster_key_text("感谢您的订购，订单#123正在包装") != cluster_key_text(
        "您的订单#123已发货，请查收"
    )
    assert "正在包装" in cluster_key_text("感谢您的订购，订单#123正在包装")


def test_clusterer_groups_near_duplicates_deterministically() -> None:
    texts = [
        f"Hi Siti, our big sale ends soon, {n}% off all items, shop now at TrendyMart!" for n in (10, 20)
    ]
    texts += [
        "Hi Siti, our big sale ends soon, 30% off all items, shop now at TrendyMart today!"
    ]  # near, not exact
    texts += ["Your parcel is out for delivery today, please keep your phone nearby."]

    def run() -> list[int]:
        cl = BulkClusterer(threshold=0.7)
        out = []
        for i, t in enumerate(texts * 10):
            k = cluster_key_text(t)
            rec = {
                "k": k,
                "m": f"M{i}",
                "t": f"2026-10-01T00:00:{i % 60:02d}Z",
                "s": "S1",
                "c": f"C{i}",
                "p": True,
            }
            out.append(cl.add(rec, signature(k)))
        assert cl.clusters[out[0]].n_customers == 30
        return out

    a = run()
    assert a == run()
    assert len(set(a)) == 2 and a[0] == a[1] == a[2] != a[3]


def test_clusterer_memory_is_bounded() -> None:
    rng = np.random.default_rng(0)
    cl = BulkClusterer(max_reps=50)
    for i in range(300):
        k = cluster_key_text(" ".join("".join(rng.choice(list("abcdefghijklmnop"), 6)) for _ in range(8)))
        cl.add({"k": k, "m": f"M{i}", "t": "2026-10-01T00:00:00Z", "s": "S", "c": f"C{i}"}, signature(k))
    assert len(cl.clusters) == 50 and cl.evicted == 250
    # a cluster with repeats is kept over singletons
    rep = cluster_key_text("the same message again and again")
    for i in range(3):
        cl.add({"k": rep, "m": f"R{i}", "t": "2026-10-01T00:00:00Z", "s": "S", "c": f"D{i}"}, signature(rep))
    for i in range(100):
        k = cluster_key_text(" ".join("".join(rng.choice(list("qrstuvwxyz"), 6)) for _ in range(8)))
        cl.add({"k": k, "m": f"N{i}", "t": "2026-10-01T00:00:00Z", "s": "S", "c": f"E{i}"}, signature(k))
    assert any(c.n == 3 for c in cl.clusters.values()) and len(cl.clusters) == 50


def test_display_masking_keeps_offsets() -> None:
    text = "WhatsApp me at +60 12-345 6789 or mail ali@example.com"
    shown = mask_pii_display(text, [(0, 30, "WhatsApp me at +60 1*-*** **89")])
    assert len(shown) == len(text) and "6789" not in shown and "ali@" not in shown
    assert shown.startswith("WhatsApp me at")
    html = highlight(shown, [{"label": "offplatform_contact", "evidence": [{"start": 0, "end": 8}]}])
    assert html.startswith('<mark title="offplatform_contact">WhatsApp</mark>')
    assert "<script>" not in highlight("<script>x</script>", [])


def test_risk_points_are_capped_at_48() -> None:
    s = SellerStats("S1")
    lab = [
        {"label": lb, "decision": "block", "score": 1.0, "evidence": []}
        for lb in ("group_invite", "data_leak", "third_party_sharing", "bulk_marketing")
    ]
    for i in range(40):
        s.add(
            {
                "m": f"M{i}",
                "t": "2026-10-01T00:00:00Z",
                "d": "block",
                "lang": "en",
                "c": f"C{i}",
                "labels": lab,
            },
            None,
        )
    risk = s.risk(set())
    assert risk["penalty_points"] == 48 and risk["risk_score"] == 100
    assert risk["consequence"].startswith("shop taken offline")
    clean = SellerStats("S2")
    clean.add({"m": "M", "t": "2026-10-01T00:00:00Z", "d": "allow", "lang": "en", "c": "C"}, None)
    assert clean.risk(set()) == {"penalty_points": 0, "risk_score": 0, "consequence": "none"}
    assert len(s.examples()) == 3


def test_audit_frame_puts_verdicts_beside_rows(rules_detector) -> None:
    df = pd.DataFrame(
        [
            row(1, text="Join our LINE group https://line.me/R/ti/g/AbCdEf123"),
            row(2, sender="customer", text="ok"),
            row(3, text="Your order has shipped."),
        ]
    ).rename(columns={"text": "body"})
    out = audit_frame(df, column_map={"body": "text"}, detector=rules_detector)
    assert list(out.columns[: len(df.columns)]) == list(df.columns) and len(out) == 3
    assert out.loc[0, "decision"] == "block" and "group_invite" in out.loc[0, "labels"]
    assert pd.isna(out.loc[1, "decision"]) and out.loc[1, "verdict"] is None  # customers are context
    assert out.loc[2, "decision"] == "allow" and out.loc[2, "verdict"]["labels"] == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "detector.cli", "audit", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_audit(tmp_path: Path) -> None:
    log = tmp_path / "log.ndjson"
    rows = [row(i, text="Join our WhatsApp group https://chat.whatsapp.com/AbC123x") for i in range(30)]
    log.write_text("\n".join(json.dumps({**r, "body": r.pop("text")}) for r in rows) + "\n")
    out = tmp_path / "out"
    res = _cli(
        str(log),
        "--out",
        str(out),
        "--format",
        "jsonl",
        "--map",
        "text=body",
        "--bulk-min",
        "25",
        "--jobs",
        "1",
        "-q",
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["flagged"] == 30
    clusters = read_jsonl(out / "clusters.jsonl")
    assert len(clusters) == 1 and clusters[0]["customers"] == 30 and clusters[0]["promotional"]
    for name in (
        "report.html",
        "findings.jsonl",
        "sellers.csv",
        "clusters.jsonl",
        "summary.json",
        "rejects.jsonl",
    ):
        assert (out / name).exists(), name
    assert _cli(str(tmp_path / "missing.jsonl"), "--out", str(out)).returncode == 65
    assert _cli(str(log), "--out", str(out), "--map", "txt=body").returncode == 64
    assert _cli(str(log), "--out", str(out), "--engine", "spark").returncode == 64


def test_distinct_counter_is_exact_then_estimates_in_bounded_memory() -> None:
    from detector.audit.distinct import DistinctCounter

    d = DistinctCounter(cap=100)
    for i in range(300):
        d.add(f"C{i % 80}")
    assert len(d) == 80 and not d.estimated
    for i in range(20_000):
        d.add(f"C{i}")
    assert d.estimated and abs(len(d) - 20_000) < 20_000 * 0.05


def test_detector_fingerprint_matches_the_loaded_detector(detector, rules_detector) -> None:
    from detector.audit.scoring import detector_fingerprint

    assert detector_fingerprint()["version"] == detector.version
    assert detector_fingerprint({"use_model": False})["version"] == rules_detector.version


def test_verdict_cache_gives_the_detectors_verdicts_and_skips_repeats() -> None:
    from detector.audit import scoring

    det = scoring.get_detector({})
    texts = [
        "Thank you for your order! It ships today.",
        "Join our WhatsApp group https://chat.whatsapp.com/AbC123xyZ",
        "Your parcel goes to 0123456789, please confirm",
    ] * 4
    contexts = [{"channel": "chat"}] * 6 + [{"channel": "chat", "recipient": {"phone": "0123456789"}}] * 6
    expected = [v.model_dump() for v in scoring._verdicts(det, texts, contexts)]
    calls: list[int] = []

    class Counting:
        def check_many(self, batch, ctxs):
            calls.append(len(batch))
            return det.check_many(batch, ctxs)

    scoring._cache.clear()
    got = scoring.cached_verdicts(Counting(), "{}", texts, contexts)
    assert [v.model_dump() for v in got] == expected
    assert calls == [6]  # 3 texts x (no recipient, a recipient): a recipient is part of the key
    again = scoring.cached_verdicts(Counting(), "{}", texts[:3], contexts[:3])
    assert [v.model_dump() for v in again] == expected[:3] and calls == [6]


def test_text_facts_are_the_clustering_inputs_and_cannot_be_altered() -> None:
    from detector.audit.scoring import KEY_CHARS, is_promotional, text_facts

    text = "Hi Siti, 11.11 SALE: 50% off everything with voucher ZUVAYM " + "x" * 300
    key, promotional, sig = text_facts(text)
    full = cluster_key_text(text)
    assert key == full[:KEY_CHARS] and promotional == is_promotional(full) is True
    assert np.array_equal(sig, signature(full)) and text_facts(text)[2] is sig  # remembered
    with pytest.raises(ValueError):
        sig[0] = 0  # shared by every record of this text
