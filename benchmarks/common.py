"""Shared helpers for the benchmarks: realistic message mixes and timing."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"

# A few fallbacks when the corpus is absent; the corpus gives the real multilingual mix.
_FALLBACK = [
    "Hi kak, pesanan sudah dikirim ya, resi JNE 1234567890",
    "Join our LINE group for promo! line.me/R/ti/g/abcd123",
    "สวัสดีค่ะ สินค้าจัดส่งแล้วนะคะ",
    "亲，您的订单已发货，请注意查收",
    "Chào bạn, đơn hàng đã giao nhé",
    "Salamat po sa order! Ship na bukas",
    "WhatsApp me +60123456789 for discount",
]


def messages(n: int, seed: int = 7, compliant_share: float | None = None) -> list[str]:
    """`n` messages sampled from the committed corpus (all languages and labels), lightly varied.

    `compliant_share` samples that share from compliant rows (live traffic is mostly compliant); None keeps
    the corpus mix (about two-thirds violations)."""
    path = REPO / "training" / "data" / "corpus.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")] if path.exists() else []
    pool = [r["text"] for r in rows] or _FALLBACK
    clean = [r["text"] for r in rows if not r["labels"]] or _FALLBACK
    bad = [r["text"] for r in rows if r["labels"]] or _FALLBACK
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if compliant_share is None:
            text = rng.choice(pool)
        else:
            text = rng.choice(clean if rng.random() < compliant_share else bad)
        out.append(text + ("" if rng.random() < 0.5 else f" #{rng.randint(1, 99999)}"))
    return out


def rate(fn: Callable[[list[str]], object], msgs: list[str], repeat: int = 3) -> float:
    """Best-of-`repeat` messages per second."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(msgs)
        best = min(best, time.perf_counter() - t)
    return len(msgs) / best


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    result = {"cpu_count": os.cpu_count(), **result}
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return path
