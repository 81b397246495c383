"""How far the out-of-fold false-positive rate understates the rate on unseen templates:
`python -m training.fpr_gap`.

Fits the classifier the way `training.train` does, but on the train split alone, and compares, at a few
thresholds, its out-of-fold compliant FPR inside the train split with its FPR on the validation split
(templates it never saw). The test split is not touched. The ratio informs `training.train.MODEL_FPR_BUDGET`.
"""

from __future__ import annotations

import argparse

from detector import Detector
from training.splits import label_matrix, load_splits
from training.train import fit_with_oof

THRESHOLDS = (0.6, 0.7, 0.8, 0.85, 0.9)


def fpr_gap(seed: int = 13, folds: int = 5) -> list[dict[str, float]]:
    """Per threshold: out-of-fold and validation compliant FPR of the model alone, and their ratio."""
    splits = load_splits(seed)
    train, val = splits["train"], splits["validation"]
    rules = Detector.load(use_model=False)
    clf, Y_train, p_oof = fit_with_oof(train, rules, seed, folds)
    p_val = clf.predict_proba(*rules.features([r["text"] for r in val]))
    Y_val = label_matrix(val)
    c_train, c_val = ~Y_train.any(axis=1), ~Y_val.any(axis=1)
    out = []
    for t in THRESHOLDS:
        oof_fpr = float((p_oof[c_train] >= t).any(axis=1).mean())
        val_fpr = float((p_val[c_val] >= t).any(axis=1).mean())
        out.append(
            {
                "threshold": t,
                "oof_fpr": oof_fpr,
                "validation_fpr": val_fpr,
                "ratio": val_fpr / oof_fpr if oof_fpr else float("nan"),
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    print(f"{'threshold':>9}  {'out-of-fold FPR':>15}  {'validation FPR':>14}  {'ratio':>5}")
    for row in fpr_gap(args.seed):
        print(
            f"{row['threshold']:>9.2f}  {row['oof_fpr']:>15.4f}  {row['validation_fpr']:>14.4f}  "
            f"{row['ratio']:>5.2f}"
        )


if __name__ == "__main__":
    main()
