"""Service unit tests: TestClient (as a context manager, so the lifespan runs) and the real Detector."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from detector import Detector
from service.auth import key_is_valid
from service.logs import JsonFormatter
from service.main import create_app
from service.settings import Settings

INVITE = "Kak, gabung grup WA kami ya: chat.whatsapp.com/Hx7Kq2"
SHIPPING = "Your parcel for order ORD-1001 has shipped and should arrive on Friday."
KEYS = "key-one,key-two"


@pytest.fixture(scope="module")
def det(detector: Detector) -> Detector:
    return detector  # the shipped default, Detector.load() (tests/conftest.py)


@pytest.fixture(scope="module")
def client(det: Detector):
    with TestClient(create_app(Settings(), detector=det)) as c:
        yield c


@pytest.fixture()
def keyed(det: Detector):
    with TestClient(create_app(Settings(api_keys=KEYS, max_text_chars=500, max_batch=3), detector=det)) as c:
        yield c


# --- health, model, rules ------------------------------------------------------------------------

def test_health_and_ready(client: TestClient, det: Detector) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["detector_version"] == det.version


def test_model_and_rules(client: TestClient, det: Detector) -> None:
    m = client.get("/v1/model").json()
    assert m["detector_version"] == det.version
    assert m["model_card"] == (json.loads(json.dumps(det.model_card)) if det.model_card else None)
    rules = client.get("/v1/rules").json()
    assert rules["count"] == len(rules["rules"]) == len(det.rules_summary()) > 0


def test_lifespan_loads_the_detector_once() -> None:
    app = create_app(Settings())
    assert app.state.detector is None
    with TestClient(app) as c:
        loaded = app.state.detector
        assert loaded is not None
        assert c.get("/readyz").status_code == 200
        c.post("/v1/messages/check", json={"text": SHIPPING})
        assert app.state.detector is loaded


# --- checks --------------------------------------------------------------------------------------

def test_check_block_matches_library(client: TestClient, det: Detector) -> None:
    r = client.post("/v1/messages/check", json={"text": INVITE})
    assert r.status_code == 200
    body = r.json()
    assert body == json.loads(det.check(INVITE).model_dump_json())
    assert body["decision"] == "block"
    lr = next(x for x in body["labels"] if x["label"] == "group_invite")
    assert any("chat.whatsapp.com" in INVITE[e["start"]:e["end"]] for e in lr["evidence"])
    assert r.headers["x-request-id"]


def test_check_allow_with_context_and_lang(client: TestClient) -> None:
    r = client.post("/v1/messages/check", json={
        "text": SHIPPING, "lang": "en",
        "context": {"recipient": {"name": "Siti"}, "channel": "chat", "order_id": "ORD-1001"}})
    assert r.status_code == 200 and r.json()["decision"] == "allow" and r.json()["labels"] == []


def test_request_id_is_echoed(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"


def test_batch_keeps_order_and_matches_check(client: TestClient, det: Detector) -> None:
    texts = [SHIPPING, INVITE, "Add my LINE id: shop88 for a discount", SHIPPING]
    msgs = [{"text": t} for t in texts]
    msgs[2]["lang"] = "en"  # a language hint takes the per-message path
    r = client.post("/v1/messages/check-batch", json={"messages": msgs})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 4
    want = [json.loads(det.check(t).model_dump_json())["decision"] for t in texts]
    assert [v["decision"] for v in body["verdicts"]] == want
    assert body["verdicts"][1]["decision"] == "block" and body["verdicts"][0]["decision"] == "allow"


def test_empty_batch(client: TestClient) -> None:
    r = client.post("/v1/messages/check-batch", json={"messages": []})
    assert r.json() == {"count": 0, "verdicts": []}


def test_campaign_endpoint(client: TestClient) -> None:
    r = client.post("/v1/campaigns/check", json={"campaign": {
        "seller_id": "s1", "channel": "email", "subject": "Thanks", "body": "Thank you for shopping with us!",
        "recipient_count": 12000, "audience": "past_buyers", "customer_consent": False,
        "platform_approved": False}})
    assert r.status_code == 200
    body = r.json()
    assert body["decision"] == "block"
    ev = [e for lr in body["labels"] for e in lr["evidence"]]
    assert any(e["rule_id"] == "fact.audience_without_consent" and e["start"] is None for e in ev)


# --- errors: 401, 413, 415, 422 ------------------------------------------------------------------

def test_keys_required_when_configured(keyed: TestClient) -> None:
    for path in ("/v1/model", "/v1/rules"):
        assert keyed.get(path).status_code == 401
        assert keyed.get(path, headers={"X-API-Key": "nope"}).status_code == 401
        assert keyed.get(path, headers={"X-API-Key": "key-two"}).status_code == 200
    r = keyed.post("/v1/messages/check", json={"text": SHIPPING})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"] == "ApiKey"
    ok = keyed.post("/v1/messages/check", json={"text": SHIPPING}, headers={"X-API-Key": "key-one"})
    assert ok.status_code == 200
    assert keyed.get("/healthz").status_code == 200 and keyed.get("/metrics").status_code == 200


def test_no_keys_means_open(client: TestClient) -> None:
    assert client.get("/v1/model").status_code == 200


@pytest.mark.parametrize(("provided", "ok"), [
    ("key-one", True), ("key-two", True), ("key-on", False), ("key-one ", False), ("", False), (None, False),
])
def test_key_compare(provided: str | None, ok: bool) -> None:
    assert key_is_valid(provided, ["key-one", "key-two"]) is ok


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_GUARD_API_KEYS", " a1 , b2,,")
    monkeypatch.setenv("OUTREACH_GUARD_MAX_TEXT_CHARS", "123")
    monkeypatch.setenv("OUTREACH_GUARD_MASK_PII", "false")
    s = Settings()
    assert s.api_keys == ["a1", "b2"] and s.max_text_chars == 123 and s.mask_pii is False
    assert "a1" not in repr(s)
    monkeypatch.delenv("OUTREACH_GUARD_API_KEYS")
    assert Settings().auth_enabled is False and Settings().max_batch == 1000


def test_text_too_long_is_413(keyed: TestClient) -> None:
    h = {"X-API-Key": "key-one"}
    r = keyed.post("/v1/messages/check", json={"text": "a" * 501}, headers=h)
    assert r.status_code == 413
    msg = r.json()["message"]
    assert r.json()["error"] == "payload_too_large" and "501" in msg and "500" in msg
    two = {"messages": [{"text": "ok"}, {"text": "b" * 501}]}
    r = keyed.post("/v1/messages/check-batch", json=two, headers=h)
    assert r.status_code == 413 and "messages[1].text" in r.json()["message"]
    assert keyed.post("/v1/messages/check", json={"text": "a" * 500}, headers=h).status_code == 200


def test_batch_too_large_is_413(keyed: TestClient) -> None:
    r = keyed.post("/v1/messages/check-batch", json={"messages": [{"text": "hi"}] * 4},
                   headers={"X-API-Key": "key-one"})
    assert r.status_code == 413 and "limit is 3" in r.json()["message"]


def test_body_too_large_is_413(det: Detector) -> None:
    with TestClient(create_app(Settings(max_body_bytes=2048), detector=det)) as c:
        r = c.post("/v1/messages/check", json={"text": "x" * 5000})
        assert r.status_code == 413 and "2048" in r.json()["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_415(client: TestClient, content_type: str) -> None:
    r = client.post("/v1/messages/check", content=b'{"text": "hi"}', headers={"Content-Type": content_type})
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"


def test_json_with_charset_is_accepted(client: TestClient) -> None:
    r = client.post("/v1/messages/check", content=json.dumps({"text": "hi"}).encode(),
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_422_names_the_fields(client: TestClient) -> None:
    bad = {"seller_id": "s", "channel": "fax", "body": "hi", "recipient_count": -5, "audience": "past_buyers"}
    r = client.post("/v1/campaigns/check", json={"campaign": bad})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["detail"]}
    assert {"body.campaign.channel", "body.campaign.recipient_count", "body.campaign.customer_consent",
            "body.campaign.platform_approved"} <= fields
    r = client.post("/v1/messages/check-batch", json={"messages": [{"text": "ok"}, {"text": 5}]})
    assert r.status_code == 422 and "body.messages.1.text" in {d["field"] for d in r.json()["detail"]}


def test_422_does_not_echo_input(client: TestClient) -> None:
    r = client.post("/v1/messages/check", json={"text": "ok", "lang": "secret-lang-value-123"})
    assert r.status_code == 422 and "secret-lang-value-123" not in r.text


@pytest.mark.parametrize("body", [
    b"{not json", b"", b"null", b"[]", b'{"text": null}', b'{"text": "\\ud800 lone surrogate"}',
    b'{"text": "nul \\u0000 byte"}', b'{"text": "' + b"\\uffff" * 50 + b'"}',
    json.dumps({"text": "\x00\x01\x02 binary \ufffe garbage \udfff"}).encode(),
])
def test_odd_bodies_never_5xx(client: TestClient, body: bytes) -> None:
    r = client.post("/v1/messages/check", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["decision"] in ("allow", "review", "block")


# --- metrics and logs ----------------------------------------------------------------------------

def test_metrics_count_requests_and_labels(det: Detector) -> None:
    with TestClient(create_app(Settings(), detector=det)) as c:
        c.post("/v1/messages/check", json={"text": INVITE})
        c.post("/v1/messages/check-batch", json={"messages": [{"text": SHIPPING}, {"text": INVITE}]})
        c.post("/v1/messages/check", content=b"x", headers={"Content-Type": "text/plain"})
        c.get("/no/such/path/12345")
        text = c.get("/metrics").text
    assert 'outreach_guard_requests_total{method="POST",route="/v1/messages/check",status="200"} 1.0' in text
    assert 'outreach_guard_decisions_total{decision="block",endpoint="check"} 1.0' in text
    assert 'outreach_guard_decisions_total{decision="allow",endpoint="check-batch"} 1.0' in text
    assert 'outreach_guard_labels_total{decision="block",label="group_invite"} 2.0' in text
    assert "outreach_guard_request_duration_seconds_bucket" in text
    assert 'route="/v1/messages/check",status="415"} 1.0' in text  # rejected before routing, still named
    assert 'route="unmatched",status="404"} 1.0' in text and "12345" not in text  # no raw URLs as labels
    assert "whatsapp.com" not in text


PII = {
    "name": "Nurul Aisyah Binti Rahman",
    "phone": "+60 12-345 6789",
    "email": "nurul.aisyah88@example.com",
    "address": "No. 12 Jalan Melati 3, 47301 Petaling Jaya",
    "other_phone": "+65 9123 4567",
    "other_email": "tan.wei.ming@example.org",
}


def test_logs_never_contain_text_or_personal_data(det: Detector, caplog: pytest.LogCaptureFixture,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    recipient = {k: PII[k] for k in ("name", "phone", "email", "address")}
    leak = f"Other buyer {PII['other_phone']} {PII['other_email']}, and {PII['name']} at {PII['address']}"
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(Settings(max_text_chars=400), detector=det)) as c:
        c.post("/v1/messages/check", json={"text": leak + " " + INVITE, "context": {"recipient": recipient}})
        c.post("/v1/messages/check-batch", json={"messages": [{"text": leak}, {"text": PII["email"]}]})
        c.post("/v1/campaigns/check", json={"campaign": {
            "seller_id": PII["email"], "channel": "sms", "body": leak, "recipient_count": 3,
            "audience": "imported_list", "customer_consent": False, "platform_approved": False}})
        c.post("/v1/messages/check", json={"text": leak, "lang": PII["name"]})  # 422
        c.post("/v1/messages/check", json={"text": leak * 20})  # 413
        c.post("/v1/messages/check", content=leak.encode(), headers={"Content-Type": "text/plain"})  # 415
    out = capsys.readouterr()
    formatted = "\n".join([*(JsonFormatter().format(r) for r in caplog.records), out.out, out.err])
    captured = formatted + "\n".join(repr(r.__dict__) for r in caplog.records)
    lines = [json.loads(x) for x in out.out.splitlines() if x.startswith("{")]
    assert sum(1 for x in lines if x.get("event") == "request") >= 6, "the requests were logged"
    assert any(x.get("decision") == "block" for x in lines)
    for value in [*PII.values(), "chat.whatsapp.com", "Hx7Kq2", "Jalan Melati", "Petaling"]:
        assert value not in captured, f"{value!r} reached the logs"
    for digits in ("3456789", "91234567"):
        assert digits not in formatted.replace(" ", "").replace("-", "")


class _Broken:
    """A detector with a bug whose exception message quotes the text."""

    version = "broken"
    model_card = None

    def check(self, text, context=None, *, lang=None):
        raise RuntimeError(f"crashed on {text}")


def test_a_bug_is_500_without_leaking_text(caplog: pytest.LogCaptureFixture,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(Settings(), detector=_Broken())) as c:
        r = c.post("/v1/messages/check", json={"text": f"call {PII['other_phone']}"})
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    out = capsys.readouterr()
    logged = caplog.text + out.out + out.err
    assert "RuntimeError" in logged and "unhandled_error" in logged
    assert PII["other_phone"] not in logged and "crashed on" not in logged
