"""Service load benchmark on loopback: `outreach-guard serve --workers 2` vs in-process `check_many`.

Measured in one run:
  1. in-process `check_many` throughput (msg/s, one process) and single `check` latency, the baseline;
  2. single checks over HTTP at a fixed offered rate (open loop, default 300 req/s for 10 s): achieved req/s,
     p50/p90/p99/max latency measured from each request's scheduled send time (no coordinated omission);
  3. `check-batch` throughput (msg/s) with one request in flight per worker.
Ratios are printed next to the baseline; nothing is asserted. Results go to benchmarks/results/*.json.

    python benchmarks/bench_service.py [--rate 300] [--duration 10] [--batch-size 1000] [--workers 2]

The client runs on the same machine and competes with the server for CPU; the figures include that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

FALLBACK = [
    "Your parcel for order ORD-1001 has shipped and should arrive on Friday.",
    "Kak, gabung grup WA kami ya: chat.whatsapp.com/Hx7Kq2",
    "Add my LINE id: shop88 for 10% off next time",
    "BIG SALE 50% off for all our customers, subscribe to our newsletter!",
    "亲，您的订单已发货，请注意查收。",
    "加微信 shop8899 领取优惠券",
    "Đơn hàng của bạn đã được giao cho đơn vị vận chuyển.",
    "ขอบคุณที่สั่งซื้อค่ะ สินค้าจะจัดส่งภายในสองวัน",
    "Salamat po sa order! Ipapadala namin bukas.",
    "We saved your address for future promotions.",
]


def corpus() -> list[str]:
    """Multilingual messages: the rule test table's texts when present, else a built-in handful."""
    import yaml

    texts: list[str] = []
    for f in sorted((ROOT / "tests" / "rule_cases").glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        items = list(data.get("hard_negatives", []))
        for kinds in (data.get("labels") or {}).values():
            for cases in (kinds or {}).values():
                items.extend(cases or [])
        texts += [c if isinstance(c, str) else c.get("text", "") for c in items]
    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    return texts or FALLBACK


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))] if s else float("nan")


# -- in-process baseline ----------------------------------------------------------------------------


def bench_in_process(texts: list[str], batch_size: int, seconds: float) -> dict:
    from detector import Detector

    t0 = time.perf_counter()
    det = Detector.load()
    load_s = time.perf_counter() - t0
    batch = (texts * (batch_size // len(texts) + 1))[:batch_size]
    det.check_many(batch[:50])  # warm-up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        det.check_many(batch)
        n += len(batch)
    many_rate = n / (time.perf_counter() - t0)
    lat = []
    for t in (texts * 3)[:600]:
        s = time.perf_counter()
        det.check(t)
        lat.append((time.perf_counter() - s) * 1000)
    return {
        "detector_version": det.version,
        "load_s": round(load_s, 3),
        "check_many_msg_per_s": round(many_rate, 1),
        "check_p50_ms": round(pct(lat, 50), 3),
        "check_p99_ms": round(pct(lat, 99), 3),
    }


# -- server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_GUARD_API_KEYS")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [
        sys.executable,
        "-c",
        "from detector.cli import run; run()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, stdout=log_path.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("server did not become ready")


class RawConnection:
    """A minimal keep-alive HTTP/1.1 client connection: a few microseconds of client CPU per request, so the
    loader (on the same cores) disturbs the server far less than a full client library would."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> RawConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def raw_request(host: str, port: int, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def open_loop(base: str, texts: list[str], rate: float, seconds: float, connections: int = 64) -> dict:
    """Send single checks at `rate` req/s whatever the responses do (open loop).

    Latency runs from each request's scheduled time, so time queued behind busy connections counts
    (no coordinated omission)."""
    host, port = base.removeprefix("http://").split(":")
    requests = [
        raw_request(host, int(port), "/v1/messages/check", json.dumps({"text": t}).encode()) for t in texts
    ]
    total = int(rate * seconds)
    lat: list[float] = []
    service: list[float] = []
    errors: dict[str, int] = {}
    conns = [await RawConnection.open(host, int(port)) for _ in range(connections)]
    for i, c in enumerate(conns):  # warm-up every connection
        await c.post(requests[i % len(requests)])
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def worker(conn: RawConnection) -> None:
        while (item := await queue.get()) is not None:
            i, scheduled = item
            sent = loop.time()
            try:
                status = await conn.post(requests[i % len(requests)])
                if status != 200:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            done = loop.time()
            lat.append((done - scheduled) * 1000)
            service.append((done - sent) * 1000)

    workers = [asyncio.create_task(worker(c)) for c in conns]
    start = loop.time() + 0.05
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, scheduled))
    for _ in conns:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = loop.time() - start
    for c in conns:
        c.close()
    return {
        "offered_req_per_s": rate,
        "duration_s": seconds,
        "requests": total,
        "connections": connections,
        "achieved_req_per_s": round(len(lat) / elapsed, 1),
        "errors": errors,
        "p50_ms": round(pct(lat, 50), 2),
        "p90_ms": round(pct(lat, 90), 2),
        "p99_ms": round(pct(lat, 99), 2),
        "max_ms": round(max(lat), 2),
        "mean_ms": round(statistics.fmean(lat), 2),
        "service_p50_ms": round(pct(service, 50), 2),
        "service_p99_ms": round(pct(service, 99), 2),
    }


def server_histogram(base: str, route: str) -> dict[float, float]:
    """Cumulative bucket counts of the server's own latency histogram for `route` (from /metrics)."""
    text = httpx.get(base + "/metrics", timeout=10).text
    out: dict[float, float] = {}
    for line in text.splitlines():
        if (
            line.startswith("outreach_guard_request_duration_seconds_bucket")
            and f'route="{route}"' in line
            and 'method="POST"' in line
        ):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def bucket_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound (bucket edge, ms) of the q-quantile of the requests observed between two scrapes."""
    edges = sorted(after)
    counts = [after[e] - before.get(e, 0.0) for e in edges]
    if not counts or counts[-1] <= 0:
        return float("nan")
    target = q / 100 * counts[-1]
    return next(e * 1000 for e, c in zip(edges, counts, strict=True) if c >= target)


async def batch_load(base: str, texts: list[str], batch_size: int, seconds: float, in_flight: int) -> dict:
    batch = (texts * (batch_size // len(texts) + 1))[:batch_size]
    body = json.dumps({"messages": [{"text": t} for t in batch]}).encode()
    headers = {"Content-Type": "application/json"}
    done_msgs, lat = 0, []
    async with httpx.AsyncClient(base_url=base, timeout=120.0) as client:
        for _ in range(in_flight):  # warm-up
            await client.post("/v1/messages/check-batch", content=body, headers=headers)
        t0 = time.perf_counter()

        async def worker() -> None:
            nonlocal done_msgs
            while time.perf_counter() - t0 < seconds:
                s = time.perf_counter()
                r = await client.post("/v1/messages/check-batch", content=body, headers=headers)
                r.raise_for_status()
                done_msgs += r.json()["count"]
                lat.append((time.perf_counter() - s) * 1000)

        await asyncio.gather(*(worker() for _ in range(in_flight)))
        elapsed = time.perf_counter() - t0
    return {
        "batch_size": batch_size,
        "in_flight": in_flight,
        "requests": len(lat),
        "msg_per_s": round(done_msgs / elapsed, 1),
        "batch_p50_ms": round(pct(lat, 50), 1),
        "batch_p99_ms": round(pct(lat, 99), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=300.0, help="offered single-check rate, req/s")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of single-check load")
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--batch-duration", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline-seconds", type=float, default=5.0)
    args = ap.parse_args()

    texts = corpus()
    load_before = os.getloadavg()
    print(
        f"corpus: {len(texts)} multilingual messages; cpus: {os.cpu_count()}; "
        f"load average before: {load_before[0]:.2f}"
    )
    base_line = bench_in_process(texts, args.batch_size, args.baseline_seconds)
    print(
        f"in-process check_many: {base_line['check_many_msg_per_s']:,.0f} msg/s "
        f"(single check p50 {base_line['check_p50_ms']} ms, p99 {base_line['check_p99_ms']} ms)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(args.workers, Path(tmp) / "server.log")
        try:
            hist0 = server_histogram(base, "/v1/messages/check")
            single = asyncio.run(open_loop(base, texts, args.rate, args.duration))
            hist1 = server_histogram(base, "/v1/messages/check")
            single["server_p50_ms_le"] = bucket_quantile(hist0, hist1, 50)
            single["server_p99_ms_le"] = bucket_quantile(hist0, hist1, 99)
            batch = asyncio.run(batch_load(base, texts, args.batch_size, args.batch_duration, args.workers))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    ratio = batch["msg_per_s"] / base_line["check_many_msg_per_s"]
    print(
        f"single checks @ {args.rate:.0f} req/s offered for {args.duration:.0f}s, {args.workers} workers: "
        f"{single['achieved_req_per_s']} req/s achieved, p50 {single['p50_ms']} ms, "
        f"p99 {single['p99_ms']} ms, max {single['max_ms']} ms, errors {single['errors'] or 0}; "
        f"inside the server (histogram bucket edges) p50 <= {single['server_p50_ms_le']} ms, "
        f"p99 <= {single['server_p99_ms_le']} ms"
    )
    print(
        f"check-batch ({args.batch_size}/request, {args.workers} in flight): "
        f"{batch['msg_per_s']:,.0f} msg/s "
        f"= {ratio:.2f}x in-process check_many ({ratio / args.workers:.2f}x per worker)"
    )
    print(
        f"targets: p99 <= 20 ms at 300 req/s -> {'met' if single['p99_ms'] <= 20 else 'NOT met'}; "
        f"check-batch >= 0.70x in-process -> {'met' if ratio >= 0.7 else 'NOT met'}"
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench_service-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "args": vars(args),
                "corpus_size": len(texts),
                "in_process": base_line,
                "single": single,
                "batch": batch,
                "batch_vs_in_process": round(ratio, 3),
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
