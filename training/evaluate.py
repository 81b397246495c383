"""The README's quality table: the held-out test split scored by the fused detector, the rules alone and
the model alone, plus the real corpora's held-out rows.

    python -m training.evaluate [--model models/<version>] [--export test.jsonl]

`--export` writes the test split as JSONL (for `outreach-guard evaluate`); it holds rows of the real
corpora, so write it outside the repository.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from detector.detector import default_models_dir
from detector.model_store import newest_model_dir
from training.splits import load_splits
from training.train import comparison_table, evaluate_variants


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--export", type=Path, default=None, help="write the test split as JSONL here")
    args = ap.parse_args()
    model_dir = args.model or newest_model_dir(default_models_dir())
    if model_dir is None:
        raise SystemExit("no model found; run python -m training.train")
    test = load_splits(args.seed)["test"]
    if args.export:
        with args.export.open("w", encoding="utf-8") as fh:
            for row in test:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    metrics = evaluate_variants(model_dir, test)
    print(f"test split: {len(test)} messages, model {model_dir.name}")
    print(comparison_table(metrics))
    print()
    print(
        "| real corpus (held-out rows) | ordinary messages | false-positive rate | promotional "
        "| recall as bulk_marketing |"
    )
    print("|---|---|---|---|---|")
    for source, m in metrics["real_corpora"].items():
        print(
            f"| {source.removeprefix('external:')} | {m['ordinary_n']} | {m['ordinary_fpr']:.4f} "
            f"| {m['promo_n']} | "
            f"{m['promo_recall_bulk_marketing']:.4f} |"
        )
    print()
    fused = metrics["fused"]
    print("| label | precision | recall | F1 |")
    print("|---|---|---|---|")
    for m in fused["per_label"]:
        print(f"| {m['label']} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")
    print()
    print("| language | " + " | ".join(sorted(fused["per_language"])) + " |")
    print("|---" * (len(fused["per_language"]) + 1) + "|")
    print(
        "| macro-F1 | "
        + " | ".join(f"{fused['per_language'][k]:.3f}" for k in sorted(fused["per_language"]))
        + " |"
    )


if __name__ == "__main__":
    main()
