"""The fresh-writer evaluation sets: `python -m training.fresh [--set test|dev] [--model DIR] [--write F]`.

The test split holds out templates, but the people who wrote the rules had the whole template set in view, so
the split flatters the rules (and, through the fusion, the detector). The fresh-writer set was written after
model 2026.11.3 by writers who saw the training templates (for their syntax) but not the rules:
`training/templates/fresh/<lang>.yaml`, rendered with the same slots, obfuscation and code-mixing. It is never
trained on and never used to choose a setting; rows with a near twin in the training corpus are dropped.
It measures what a stranger's wording gets, which is closer to real traffic than the test split.

Two sets, written the same way by different writers: `test` (templates/fresh/) is only ever measured;
`dev` (templates/fresh_dev/) may be read while changing rules or settings, and then says nothing unbiased
any more, which is why `test` stays untouched.
"""

from __future__ import annotations

import argparse
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from detector.evaluation import evaluate, variants
from training import TEMPLATES_DIR
from training.generate_corpus import generate, write_jsonl
from training.splits import NearDupIndex, corpus_sha256, read_corpus
from training.train import comparison_table

FRESH_SETS = {"test": (TEMPLATES_DIR / "fresh", "fresh"), "dev": (TEMPLATES_DIR / "fresh_dev", "freshdev")}
FRESH_SEED = 20261125


def fresh_rows(which: str = "test", seed: int = FRESH_SEED) -> list[dict[str, Any]]:
    """The rendered rows of one fresh-writer set, minus any with a near twin (shingle Jaccard >= 0.8) in the
    corpus."""
    folder, prefix = FRESH_SETS[which]
    rows = generate(seed, overlay_dir=folder, prefix=prefix)
    index = _corpus_index(corpus_sha256())
    return [r for r in rows if not index.near(r["text"])[0]]


@lru_cache(maxsize=1)
def _corpus_index(sha256: str) -> NearDupIndex:
    """The near-duplicate index of the corpus, built once per corpus content (`sha256` is the cache key):
    indexing 26k rows is most of a `fresh_rows` call."""
    index = NearDupIndex()
    for row in read_corpus():
        _, mh, sh = index.near(row["text"])
        index.add(row["id"], mh, sh)
    return index


def fresh_report(rows: list[dict[str, Any]], model_dir: Path | None = None) -> dict[str, dict]:
    """Per variant (fused, rules_only, model_only): the evaluation report as a dict, worst errors left out."""
    out = {}
    for name, det in variants(model_dir).items():
        out[name] = evaluate(det, rows).to_dict()
        out[name].pop("worst_errors", None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=sorted(FRESH_SETS), default="test", help="which set (default test)")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the newest shipped)")
    ap.add_argument("--write", type=Path, default=None, help="also write the rows as JSONL (for evaluate)")
    args = ap.parse_args()
    rows = fresh_rows(args.set)
    if args.write:
        write_jsonl(rows, args.write)
    report = fresh_report(rows, args.model)
    print(f"fresh-writer {args.set} set: {len(rows)} rows, {sum(not r['labels'] for r in rows)} compliant")
    print(comparison_table(report))
    fused = report["fused"]
    print("per label (fused):", json.dumps({m["label"]: round(m["f1"], 3) for m in fused["per_label"]}))
    print("per language (fused):", json.dumps({k: round(v, 3) for k, v in fused["per_language"].items()}))


if __name__ == "__main__":
    main()
