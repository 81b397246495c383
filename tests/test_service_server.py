"""End to end: `outreach-guard serve --workers 2` on 127.0.0.1 and a free port, called over real HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

KEY = "srv-test-key-7f3a"
INVITE = "Kak, gabung grup WA kami ya: chat.whatsapp.com/Hx7Kq2"
PII = ["Lim Mei Ling", "+60 16-777 8899", "meiling.lim77@example.com",
       "No. 8 Jalan Kenanga 5, 81100 Johor Bahru", "+66 81 234 5678", "somchai.k@example.net"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out, self.err = tmp / "server.out", tmp / "server.err"
        env = {**os.environ, "OUTREACH_GUARD_API_KEYS": KEY, "PYTHONUNBUFFERED": "1"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        cmd = [sys.executable, "-c", "from detector.cli import run; run()", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--workers", "2"]
        self.proc = subprocess.Popen(cmd, stdout=self.out.open("wb"), stderr=self.err.open("wb"), env=env,
                                     cwd=Path(__file__).resolve().parents[1])

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.logs()[-3000:]}")
            try:
                if httpx.get(self.base + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"server not ready after {timeout}s: {self.logs()[-3000:]}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def logs(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    srv = Server(tmp_path_factory.mktemp("server"))
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def http(server: Server):
    with httpx.Client(base_url=server.base, headers={"X-API-Key": KEY}, timeout=30.0) as c:
        yield c


def test_health_over_http(server: Server) -> None:
    assert httpx.get(server.base + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.base + "/readyz").json()
    assert ready["status"] == "ready" and ready["detector_version"]


def test_key_required_over_http(server: Server) -> None:
    r = httpx.post(server.base + "/v1/messages/check", json={"text": "hi"})
    assert r.status_code == 401
    r = httpx.post(server.base + "/v1/messages/check", json={"text": "hi"}, headers={"X-API-Key": "wrong"})
    assert r.status_code == 401


def test_check_over_http(http: httpx.Client) -> None:
    r = http.post("/v1/messages/check", json={"text": INVITE})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    v = r.json()
    assert v["decision"] == "block"
    ev = [e for lr in v["labels"] if lr["label"] == "group_invite" for e in lr["evidence"]]
    assert any("chat.whatsapp.com" in INVITE[e["start"]:e["end"]] for e in ev)


def test_batch_campaign_model_rules_over_http(http: httpx.Client) -> None:
    r = http.post("/v1/messages/check-batch",
                  json={"messages": [{"text": "Your order has shipped."}, {"text": INVITE}]})
    assert [v["decision"] for v in r.json()["verdicts"]] == ["allow", "block"]
    camp = {"seller_id": "s", "channel": "sms", "body": "Thanks for shopping with us!",
            "recipient_count": 500, "audience": "all_customers", "customer_consent": False,
            "platform_approved": False}
    r = http.post("/v1/campaigns/check", json={"campaign": camp})
    assert r.status_code == 200 and r.json()["decision"] == "block"
    assert http.get("/v1/model").status_code == 200
    assert http.get("/v1/rules").json()["count"] > 0


def test_errors_over_http(http: httpx.Client) -> None:
    assert http.post("/v1/messages/check", json={"text": "x" * 20_001}).status_code == 413
    assert http.post("/v1/messages/check", content=b"text=hi",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    r = http.post("/v1/messages/check", json={"text": 1})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body.text"
    assert http.post("/v1/messages/check", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
                     ).status_code == 422


def test_metrics_sum_over_workers(http: httpx.Client) -> None:
    def count() -> float:
        text = http.get("/metrics").text
        pattern = r'outreach_guard_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)'
        m = re.search(pattern, text)
        return float(m.group(1)) if m else 0.0

    before = count()
    for _ in range(6):  # fresh connections, so both workers are likely to serve some
        assert httpx.get(http.base_url.join("/healthz")).status_code == 200
    assert count() == before + 6


def test_server_logs_carry_no_personal_data(server: Server, http: httpx.Client) -> None:
    name, phone, email, address, other_phone, other_email = PII
    text = f"Hi {name}, other buyers: {other_phone} {other_email}; ship to {address}. {INVITE}"
    ctx = {"recipient": {"name": name, "phone": phone, "email": email, "address": address}}
    assert http.post("/v1/messages/check", json={"text": text, "context": ctx}).status_code == 200
    http.post("/v1/messages/check-batch", json={"messages": [{"text": text}, {"text": email}]})
    http.post("/v1/messages/check", json={"text": text, "lang": name})  # 422
    http.post("/v1/messages/check", content=text.encode(), headers={"Content-Type": "text/plain"})  # 415
    time.sleep(0.5)
    server.stop()  # flushes and closes the workers' output
    logs = server.logs()
    lines = [json.loads(x) for x in logs.splitlines() if x.startswith("{")]
    assert any(x.get("event") == "request" and x.get("decision") == "block" for x in lines), logs[-2000:]
    assert sum(x.get("event") == "model_loaded" for x in lines) == 2, "one model load per worker"
    for value in [*PII, "chat.whatsapp.com", "Hx7Kq2", "Jalan Kenanga", KEY]:
        assert value not in logs, f"{value!r} reached the server's output"
    flat = re.sub(r"[\s-]", "", logs)
    for digits in ("167778899", "812345678"):
        assert digits not in flat
