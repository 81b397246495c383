"""The rules path end to end: API shape, evidence offsets, context, masking, bad input."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from detector import Detector, Verdict
from detector.lexicon import LexiconError, load_lexicon

INVITE = "Kak, gabung grup WA kami ya: chat.whatsapp.com/Hx7Kq2"


def test_group_invite_link_blocks_with_offsets(rules_detector: Detector) -> None:
    v = rules_detector.check(INVITE)
    assert v.decision == "block"
    gi = v.get("group_invite")
    assert gi is not None and gi.decision == "block" and gi.policy_rule == 1
    link = "chat.whatsapp.com/Hx7Kq2"
    assert any(e.start == INVITE.index(link) and e.end == INVITE.index(link) + len(link) for e in gi.evidence)
    for e in gi.evidence:
        assert INVITE[e.start : e.end] == e.text


def test_shipping_update_allows(rules_detector: Detector) -> None:
    v = rules_detector.check(
        "Hi, your order has been shipped and will arrive on Friday. Tracking: MY12345678"
    )
    assert v.decision == "allow" and v.labels == []


def test_check_many_equals_check(rules_detector: Detector) -> None:
    texts = [
        INVITE,
        "Terima kasih kak, pesanan sudah dikirim",
        "WhatsApp me at +60 12-345 6789",
        "",
        "亲，加微信",
    ]
    assert [v.model_dump() for v in rules_detector.check_many(texts)] == [
        rules_detector.check(t).model_dump() for t in texts
    ]


def test_obfuscated_invite_points_at_original(rules_detector: Detector) -> None:
    text = "join our ｗ.ｈ.ａ.ｔ.ｓ.ａ.ｐ.ｐ group chat\u200b.whatsapp dot com/KqZ81x"
    v = rules_detector.check(text)
    gi = v.get("group_invite")
    assert gi is not None and gi.decision == "block"
    for e in gi.evidence:
        assert 0 <= e.start < e.end <= len(text)


def test_phone_evidence_is_masked_by_default(rules_detector: Detector) -> None:
    text = "Buyer list: Ali 012-3456789, Siti 019-8765432, Wong 016-2233445"
    v = rules_detector.check(text)
    leak = v.get("data_leak")
    assert leak is not None and leak.decision == "block"
    assert all(e.masked for e in leak.evidence)
    dumped = v.model_dump_json()
    for number in ("3456789", "8765432", "2233445"):
        assert number not in dumped
    unmasked = rules_detector.check(text, mask_pii=False).model_dump_json()
    assert "012-3456789" in unmasked


def test_recipient_own_details_are_not_a_leak(rules_detector: Detector) -> None:
    text = ("Hi Siti, confirming delivery to 12 Jalan Mawar 3, Taman Melati, 53100 Kuala Lumpur, "
            "phone 019-8765432")
    ctx = {
        "recipient": {
            "name": "Siti",
            "phone": "+60198765432",
            "address": "12 Jalan Mawar 3, Taman Melati, 53100 Kuala Lumpur",
        }
    }
    assert rules_detector.check(text, ctx).get("data_leak") is None


def test_someone_elses_address_with_context_is_flagged(rules_detector: Detector) -> None:
    text = (
        "Hi Siti, your parcel went to 45 Jalan Kenanga 2, Taman Sentosa, 81200 Johor Bahru, "
        "Ahmad 013-9988776 received it"
    )
    ctx = {"recipient": {"name": "Siti", "phone": "+60198765432", "address": "12 Jalan Mawar 3, 53100 KL"}}
    assert rules_detector.check(text, ctx).get("data_leak") is not None


def test_verdict_shape(rules_detector: Detector) -> None:
    v = rules_detector.check(INVITE)
    assert isinstance(v, Verdict)
    assert v.language in {"ms", "id"}
    assert v.detector_version
    data = json.loads(v.model_dump_json())
    assert set(data) == {"decision", "labels", "language", "detector_version"}


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "\x00\x00\x00",
        "abc\ud800def\udfff",
        "".join(chr(i) for i in range(0, 0x3000, 7)),
        bytes(range(256)).decode("latin-1"),
        "w" * 10 + "\u200b" * 10_000,
        "1 " * 50_000,
    ],
    ids=["empty", "nul", "lone-surrogates", "many-planes", "latin1", "zero-width-flood", "digit-flood"],
)
def test_bad_input_gets_a_verdict(rules_detector: Detector, bad: str) -> None:
    v = rules_detector.check(bad)
    assert v.decision in {"allow", "review", "block"}


def test_one_megabyte_is_a_clear_value_error(rules_detector: Detector) -> None:
    with pytest.raises(ValueError, match="too long"):
        rules_detector.check("join our group " * 70_000)


def test_large_text_within_limit_is_scored(rules_detector: Detector) -> None:
    text = ("Your order is on the way. " * 7000) + INVITE
    v = rules_detector.check(text)
    assert v.get("group_invite") is not None


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_non_text_is_a_value_error(rules_detector: Detector, bad) -> None:
    with pytest.raises(ValueError, match="must be a str"):
        rules_detector.check(bad)


def test_bad_regex_fails_at_load_naming_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "language: en\nrules:\n  - id: my.bad.rule\n    label: group_invite\n    weight: 0.9\n"
        "    description: broken\n    patterns: ['join (our']\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match=r"bad\.yaml.*my\.bad\.rule.*bad regex"):
        load_lexicon([tmp_path])


def test_unknown_label_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "language: en\nrules:\n  - id: my.rule\n    label: spam\n    weight: 0.9\n"
        "    description: wrong label\n    phrases: [hello]\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match="my.rule"):
        load_lexicon([tmp_path])


def test_adding_a_phrase_is_a_data_change(tmp_path: Path) -> None:
    text = "มาเป็นสมาชิกชมรมลับของร้านเรานะคะ"
    assert Detector.load(use_model=False).check(text).get("group_invite") is None
    (tmp_path / "extra.yaml").write_text(
        "language: th\nrules:\n  - id: th.custom.secret_club\n    label: group_invite\n    weight: 0.9\n"
        "    description: invitation to the shop's secret club\n    phrases: [ชมรมลับของร้าน]\n",
        encoding="utf-8",
    )
    det = Detector.load(use_model=False, rules_dirs=[tmp_path])
    gi = det.check(text).get("group_invite")
    assert gi is not None and gi.evidence[0].rule_id == "th.custom.secret_club"
    assert text[gi.evidence[0].start : gi.evidence[0].end] == "ชมรมลับของร้าน"


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "detector.cli", *args], input=stdin, capture_output=True, timeout=120
    )


def test_cli_exit_codes(tmp_path: Path) -> None:
    block = _cli("check", "--rules-only", INVITE)
    assert block.returncode == 2
    out = json.loads(block.stdout)
    assert out["decision"] == "block" and out["labels"][0]["label"] == "group_invite"
    assert _cli("check", "--rules-only", "Your parcel has been delivered, thank you!").returncode == 0
    assert _cli("check", "--no-such-flag").returncode == 64
    assert _cli("check").returncode == 64


def test_cli_file_reports_bad_lines_and_goes_on(tmp_path: Path) -> None:
    f = tmp_path / "msgs.jsonl"
    f.write_bytes(
        b'{"text": "Your parcel is on the way"}\n{not json}\n\xff\xfe\n{"id": 7, "body": "x"}\n'
        + json.dumps({"id": "m5", "text": INVITE}).encode()
        + b"\n"
    )
    r = _cli("check", "--rules-only", "--file", str(f))
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert len(lines) == 5
    assert [ln.get("error") is not None for ln in lines] == [False, True, True, True, False]
    assert lines[4]["id"] == "m5" and lines[4]["decision"] == "block"
    assert r.returncode == 2


def test_cli_all_bad_input_exits_65(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_bytes(b"{broken\n")
    assert _cli("check", "--rules-only", "--file", str(f)).returncode == 65


def test_cli_explain_renders_table() -> None:
    r = _cli("check", "--rules-only", "--explain", INVITE)
    assert r.returncode == 2
    assert b"group_invite" in r.stdout and b"BLOCK" in r.stdout


def test_courier_on_whatsapp_is_the_policy_grey_case(detector: Detector) -> None:
    """POLICY: a courier calling on a WhatsApp-enabled number is review, not block (no model veto)."""
    v = detector.check("The courier may call you on WhatsApp-enabled number 012-3456789 before delivery")
    oc = v.get("offplatform_contact")
    assert oc is not None and oc.decision == "review"


def test_negation_inside_a_combination_negates_the_part_after_it() -> None:
    det = Detector.load(use_model=False)
    assert det.check("这款面霜是新品，现在有折扣哦").decision != "allow"
    assert det.check("这款面霜是新品，目前没有折扣").decision == "allow"


def test_warm_up_takes_long_lived_objects_out_of_the_gc(detector: Detector) -> None:
    texts = ["join our whatsapp group for promo", "亲，加我微信群领优惠券", "ขอบคุณค่ะ จัดส่งแล้ว"]
    before = [v.model_dump() for v in detector.check_many(texts)]
    gc.unfreeze()
    detector.warm_up(freeze=False)
    assert gc.get_freeze_count() == 0
    try:
        detector.warm_up()
        # the lexicons, the model and the segmenters' dictionaries: hundreds of thousands of objects
        assert gc.get_freeze_count() > 100_000
        assert [v.model_dump() for v in detector.check_many(texts)] == before
    finally:
        gc.unfreeze()  # leave the test process as it was
