"""Campaign checks: text AND facts. Uses the real shipped Detector."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from detector import Detector
from detector.campaign import Campaign, campaign_text, check_campaign

POLITE = "Hello! Thank you for being our customer. Have a lovely week from all of us at the shop."
PROMO = ("BIG SALE! 50% off everything for all our customers this weekend only. "
         "Shop now and use coupon SAVE50!")
SHIPPED = "Your order ORD-1001 has shipped and will arrive on Friday. Track it in the app."


@pytest.fixture(scope="module")
def det(detector: Detector) -> Detector:
    return detector  # the shipped default, Detector.load() (tests/conftest.py)


def campaign(**kw) -> dict:
    base = {
        "seller_id": "shop-123", "channel": "email", "subject": None, "body": POLITE,
        "recipient_count": 12000, "audience": "past_buyers", "customer_consent": False,
        "platform_approved": False,
    }
    base.update(kw)
    return base


def fact_ids(verdict, label: str) -> set[str]:
    lr = verdict.get(label)
    assert lr is not None, f"{label} missing from {verdict.label_names()}"
    return {e.rule_id for e in lr.evidence if e.start is None}


def test_polite_text_alone_is_compliant(det: Detector) -> None:
    # The premise of the fact tests below: the text on its own raises nothing.
    assert det.check(POLITE).decision == "allow"
    assert det.check(SHIPPED).decision == "allow"


# --- each label the facts can decide -------------------------------------------------------------

def test_past_buyers_without_consent_or_approval_is_bulk_marketing(det: Detector) -> None:
    v = check_campaign(det, campaign())
    assert v.decision == "block"
    lr = v.get("bulk_marketing")
    assert lr is not None and lr.decision == "block" and lr.policy_rule == 1
    want = {"fact.audience_without_consent", "fact.marketing_without_approval"}
    assert fact_ids(v, "bulk_marketing") == want
    facts = [e for e in lr.evidence if e.rule_id == "fact.audience_without_consent"]
    assert facts[0].start is None and facts[0].end is None
    assert "12,000 past buyers" in facts[0].text and "consent" in facts[0].text


def test_consent_without_platform_approval_still_blocks(det: Detector) -> None:
    v = check_campaign(det, campaign(audience="all_customers", customer_consent=True))
    assert v.decision == "block"
    assert fact_ids(v, "bulk_marketing") == {"fact.marketing_without_approval"}


def test_imported_list_without_consent_is_retention_and_sharing(det: Detector) -> None:
    v = check_campaign(det, campaign(audience="imported_list", platform_approved=True))
    assert v.decision == "block"
    assert v.get("data_retention").decision == "block"
    assert fact_ids(v, "data_retention") == {"fact.imported_list_without_consent"}
    assert v.get("third_party_sharing").decision == "review"
    assert v.get("third_party_sharing").policy_rule == 3
    assert v.get("data_retention").policy_rule == 4


def test_unordered_items_are_unsolicited_shipment(det: Detector) -> None:
    c = campaign(audience="order_buyers", recipient_count=1, order_ids=["ORD-1001"], body=SHIPPED,
                 ships_items=[{"sku": "TSHIRT-M", "ordered": True},
                              {"sku": "SAMPLE-SERUM", "ordered": False}])
    v = check_campaign(det, c)
    assert v.decision == "block"
    assert v.label_names() == ["unsolicited_shipment"]
    ev = v.get("unsolicited_shipment").evidence
    assert ev[0].rule_id == "fact.unordered_items" and "SAMPLE-SERUM" in ev[0].text
    assert "TSHIRT-M" not in ev[0].text


def test_unordered_items_with_consent_is_review(det: Detector) -> None:
    c = campaign(audience="order_buyers", recipient_count=1, order_ids=["ORD-1001"], body=SHIPPED,
                 customer_consent=True, ships_items=[{"sku": "SAMPLE-SERUM", "ordered": False}])
    v = check_campaign(det, c)
    assert v.decision == "review"
    assert v.get("unsolicited_shipment").decision == "review"


def test_whatsapp_campaign_without_consent_is_offplatform(det: Detector) -> None:
    c = campaign(channel="whatsapp", audience="order_buyers", recipient_count=3,
                 order_ids=["A", "B", "C"], body=SHIPPED)
    v = check_campaign(det, c)
    assert v.decision == "block"
    assert v.label_names() == ["offplatform_contact"]
    assert fact_ids(v, "offplatform_contact") == {"fact.offplatform_channel_without_consent"}


def test_more_recipients_than_orders_is_review(det: Detector) -> None:
    c = campaign(audience="order_buyers", recipient_count=5000, order_ids=["ORD-1", "ORD-2"], body=SHIPPED)
    v = check_campaign(det, c)
    assert v.decision == "review"
    assert fact_ids(v, "bulk_marketing") == {"fact.recipients_exceed_orders"}


# --- compliant campaigns -------------------------------------------------------------------------

def test_order_notification_to_its_buyers_is_allowed(det: Detector) -> None:
    c = campaign(audience="order_buyers", recipient_count=2, order_ids=["ORD-1001", "ORD-1002"],
                 subject="Shipping update", body=SHIPPED)
    v = check_campaign(det, c)
    assert v.decision == "allow" and v.labels == []


def test_consented_approved_promotion_is_allowed(det: Detector) -> None:
    # The text alone is promotion; consent plus platform approval make it compliant.
    assert det.check(PROMO).get("bulk_marketing") is not None
    v = check_campaign(det, campaign(body=PROMO, customer_consent=True, platform_approved=True))
    assert v.decision == "allow", v.label_names()


def test_consented_whatsapp_order_update_is_allowed(det: Detector) -> None:
    c = campaign(channel="whatsapp", audience="order_buyers", recipient_count=1, order_ids=["ORD-9"],
                 body=SHIPPED, customer_consent=True)
    assert check_campaign(det, c).decision == "allow"


# --- text and facts together ---------------------------------------------------------------------

def test_text_violation_survives_compliant_facts(det: Detector) -> None:
    body = "Kak, gabung grup WA kami ya: chat.whatsapp.com/Hx7Kq2"
    v = check_campaign(det, campaign(body=body, customer_consent=True, platform_approved=True))
    assert v.decision == "block"
    lr = v.get("group_invite")
    assert lr is not None
    spans = [e for e in lr.evidence if e.start is not None]
    assert spans, "the text's evidence must keep its offsets"


def test_text_and_fact_evidence_are_merged_on_one_label(det: Detector) -> None:
    v = check_campaign(det, campaign(body=PROMO))
    lr = v.get("bulk_marketing")
    assert lr is not None and lr.decision == "block"
    assert any(e.start is not None for e in lr.evidence), "text evidence kept"
    assert any(e.rule_id == "fact.audience_without_consent" for e in lr.evidence), "fact evidence added"
    assert len({x.label for x in v.labels}) == len(v.labels), "one entry per label"


def test_offsets_index_into_campaign_text(det: Detector) -> None:
    c = Campaign.model_validate(campaign(subject="Join us", body="Join our group: chat.whatsapp.com/Hx7Kq2",
                                         customer_consent=True, platform_approved=True))
    text = campaign_text(c)
    assert text == "Join us\n\nJoin our group: chat.whatsapp.com/Hx7Kq2"
    v = check_campaign(det, c)
    spans = [e for lr in v.labels for e in lr.evidence if e.start is not None]
    assert spans
    for e in spans:
        assert 0 <= e.start < e.end <= len(text)
        if not e.masked:
            assert text[e.start:e.end] == e.text


# --- API surface ---------------------------------------------------------------------------------

def test_detector_method_matches_function(det: Detector) -> None:
    c = campaign(audience="imported_list")
    assert det.check_campaign(c) == check_campaign(det, c)
    assert det.check_campaign(Campaign.model_validate(c)).decision == "block"


@pytest.mark.parametrize("bad", [
    {"channel": "fax"},
    {"audience": "everyone"},
    {"recipient_count": -1},
    {"body": None},
    {"unexpected": 1},
    {"ships_items": [{"sku": "A"}]},
])
def test_malformed_campaign_is_rejected(det: Detector, bad: dict) -> None:
    with pytest.raises(ValidationError):
        check_campaign(det, campaign(**bad))


def test_campaign_verdict_serialises(det: Detector) -> None:
    v = check_campaign(det, campaign())
    back = json.loads(v.model_dump_json())
    ev = back["labels"][0]["evidence"][0]
    assert ev["start"] is None and ev["rule_id"].startswith("fact.")


# --- CLI: outreach-guard check-campaign FILE.json ------------------------------------------------

def run_cli(*args: str, stdin: bytes | None = None):
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.run([sys.executable, "-c", "from detector.cli import run; run()", *args], input=stdin,
                          capture_output=True, cwd=Path(__file__).resolve().parents[1], timeout=120)


@pytest.mark.parametrize(("camp", "code", "decision"), [
    (campaign(), 2, "block"),
    (campaign(audience="order_buyers", recipient_count=1, order_ids=["O1"], body=SHIPPED,
              customer_consent=True, ships_items=[{"sku": "GIFT-1", "ordered": False}]), 1, "review"),
    ({"campaign": campaign(audience="order_buyers", recipient_count=1, order_ids=["O1"], body=SHIPPED)}, 0,
     "allow"),
])
def test_cli_check_campaign_exit_codes(tmp_path, camp: dict, code: int, decision: str) -> None:
    f = tmp_path / "campaign.json"
    f.write_text(json.dumps(camp), encoding="utf-8")
    r = run_cli("check-campaign", str(f))
    assert r.returncode == code, r.stderr.decode()
    assert json.loads(r.stdout)["decision"] == decision


def test_cli_check_campaign_reads_stdin() -> None:
    r = run_cli("check-campaign", "-", stdin=json.dumps(campaign()).encode())
    assert r.returncode == 2 and json.loads(r.stdout)["labels"][0]["label"] == "bulk_marketing"


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", json.dumps(campaign(channel="fax")).encode()])
def test_cli_check_campaign_bad_input_is_65(tmp_path, content: bytes) -> None:
    f = tmp_path / "bad.json"
    f.write_bytes(content)
    r = run_cli("check-campaign", str(f))
    assert r.returncode == 65
    assert b"error" in r.stderr


def test_cli_check_campaign_usage_is_64(tmp_path) -> None:
    assert run_cli("check-campaign").returncode == 64
    assert run_cli("check-campaign", str(tmp_path / "missing.json")).returncode == 65
