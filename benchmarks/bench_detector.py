"""Throughput of the detector on one core, next to a one-regex keyword filter measured in the same run.

    python benchmarks/bench_detector.py [--n 10000]

Prints messages/second for: the keyword-regex baseline, the rules path (`use_model=False`) and the full
detector with the shipped model, each as a ratio to the baseline and to each other. Absolute numbers drift
on shared machines; the ratios are what to compare between runs.
"""

from __future__ import annotations

import argparse
import os
import re

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from benchmarks.common import messages, rate, save  # noqa: E402
from detector import Detector  # noqa: E402

KEYWORDS = re.compile(
    r"whatsapp|\bwa\b|line|telegram|wechat|微信|zalo|group|grup|กลุ่ม|群|sale|promo|diskon|voucher|sample|"
    r"partner|database|customer list|\+?\d{9,}",
    re.IGNORECASE,
)


def keyword_filter(msgs: list[str]) -> list[bool]:
    return [KEYWORDS.search(m) is not None for m in msgs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    rules = Detector.load(use_model=False)
    full = Detector.load()
    full.warm_up()
    result: dict = {"messages": args.n, "model": full.version}
    print(f"{'mix':<34}{'path':<26}{'msg/s':>9}{'vs keyword regex':>18}")
    for mix, share in (("corpus mix (2/3 violations)", None), ("live-like mix (95% compliant)", 0.95)):
        msgs = messages(args.n, compliant_share=share)
        rules.check_many(msgs[:200])  # warm caches
        base = rate(keyword_filter, msgs)
        r_rules = rate(rules.check_many, msgs, repeat=2)
        r_full = rate(full.check_many, msgs, repeat=2)
        key = "corpus_mix" if share is None else "live_mix"
        result[key] = {
            "keyword_regex_msg_s": round(base),
            "rules_msg_s": round(r_rules),
            "rules_plus_model_msg_s": round(r_full),
            "rules_vs_keyword_ratio": round(r_rules / base, 4),
            "full_vs_keyword_ratio": round(r_full / base, 4),
            "full_vs_rules_ratio": round(r_full / r_rules, 4),
        }
        for path, r in (
            ("keyword regex (baseline)", base),
            ("rules (use_model=False)", r_rules),
            ("rules + model (default)", r_full),
        ):
            print(f"{mix:<34}{path:<26}{r:>9.0f}{r / base:>18.3f}")
    print("saved", save("detector", result))


if __name__ == "__main__":
    main()
