"""Choose the policy's per-label model veto: `python -m training.fusion --model DIR`.

DIR is a development model (`python -m training.train --dev --out DIR`: fit on the train split only), so the
validation split and the fresh-writer dev set are unseen by the model, as real traffic is. The rules were
written with the corpus in view, so their false positives show mostly where a label's convention differs from
what a rule reads (a group invite that also says "instead of this chat", a premium-rate number in SMS spam)
and on wording their writers never saw (the fresh dev set: the rules flag some 8% of its compliant messages,
against 0.6% of validation's); the model, which learnt the labels from more writers, is then the better judge.
For each label, each (weak, strong) veto pair of the grid is scored by that label's F1 on validation and the
fresh dev set pooled, the pooled compliant FPR not allowed to rise; a pair replaces the current one only when
it gains at least MIN_GAIN. The test split and the fresh-writer test set are never read. Prints the
`fusion.model_veto_below` block for detector/config/policy.yaml.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from detector import Detector
from detector.evaluation import prf
from detector.labels import LABELS
from detector.policy import Policy
from training.splits import label_matrix, load_splits

GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
MIN_GAIN = 0.003  # validation F1 a label must gain to move from the current setting


def veto_levels(policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """The policy's (weak, strong) veto levels, in LABELS order."""
    weak = np.array([policy.veto_weak[lab] for lab in LABELS])
    strong = np.array([policy.veto_strong[lab] for lab in LABELS])
    return weak, strong


def rule_flags(
    inputs: dict[str, np.ndarray],
    policy: Policy,
    p: np.ndarray,
    weak: np.ndarray,
    strong: np.ndarray,
    flag_at: np.ndarray | None = None,
) -> np.ndarray:
    """(messages, labels) whose rule evidence reaches review and survives the veto at probabilities `p`; a
    probability at `flag_at` or above (the model flags the label itself) is never a veto."""
    rs = inputs["rule_score"]
    under = np.where(rs >= policy.rule_block, strong, weak)
    if flag_at is not None:
        under = np.minimum(under, flag_at)
    return (rs >= policy.rule_review) & ~(inputs["vetoable"] & (p < under))


def fused_flags(
    inputs: dict[str, np.ndarray], det: Detector, weak: np.ndarray, strong: np.ndarray
) -> np.ndarray:
    """(messages, labels) flagged (review or block), as `Policy.decide` would with these vetoes."""
    flag_at = det.policy.model_flag_vector
    p = inputs["model"]
    return rule_flags(inputs, det.policy, p, weak, strong, flag_at) | (p >= flag_at)


def f1_score(pred: np.ndarray, y: np.ndarray) -> float:
    """F1 of one label's flags against its 0/1 truth, as the evaluation reports it."""
    positive = y == 1
    return prf(int((pred & positive).sum()), int((pred & ~positive).sum()), int((~pred & positive).sum()))[2]


def measure(
    inputs: dict[str, np.ndarray], det: Detector, y: np.ndarray, weak: np.ndarray, strong: np.ndarray
) -> tuple[np.ndarray, float]:
    """(F1 per label, compliant FPR) of the fused flags with these vetoes."""
    pred = fused_flags(inputs, det, weak, strong)
    f1 = np.array([f1_score(pred[:, j], y[:, j]) for j in range(y.shape[1])])
    return f1, float(pred[~y.any(axis=1)].any(axis=1).mean())


def choose(det: Detector, inputs: dict, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per label, the (weak, strong) veto with the best F1 on `inputs` (labels `y`; `main` passes validation
    and the fresh dev set pooled), kept at the current setting unless the gain reaches MIN_GAIN and the
    compliant FPR does not rise."""
    weak, strong = veto_levels(det.policy)
    base_f1, base_fpr = measure(inputs, det, y, weak, strong)
    for j in range(len(LABELS)):
        best = (base_f1[j] + MIN_GAIN, weak[j], strong[j])
        for w in GRID:
            for s in GRID:
                if s > w:
                    continue
                cw, cs = weak.copy(), strong.copy()
                cw[j], cs[j] = w, s
                f1, fpr = measure(inputs, det, y, cw, cs)
                if f1[j] > best[0] + 1e-9 and fpr <= base_fpr + 1e-12:
                    best = (f1[j], w, s)
        weak[j], strong[j] = best[1], best[2]
    return weak, strong


def report(
    name: str, det: Detector, inputs: dict, y: np.ndarray, weak: np.ndarray, strong: np.ndarray
) -> str:
    f1, fpr = measure(inputs, det, y, weak, strong)
    return f"{name}: macro-F1 {f1.mean():.4f}, compliant FPR {fpr:.4f}, per label " + " ".join(
        f"{x:.3f}" for x in f1
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a development model (train --dev --out DIR)")
    args = ap.parse_args()
    det = Detector.load(args.model)
    rows = load_splits()["validation"]
    val, y_val = det.fusion_inputs([r["text"] for r in rows]), label_matrix(rows)
    from training.fresh import fresh_rows

    dev_rows = fresh_rows("dev")
    dev, y_dev = det.fusion_inputs([r["text"] for r in dev_rows]), label_matrix(dev_rows)
    weak0, strong0 = veto_levels(det.policy)
    pooled = {k: np.concatenate([val[k], dev[k]]) for k in val}
    weak, strong = choose(det, pooled, np.concatenate([y_val, y_dev]))
    for name, w, s in (("current", weak0, strong0), ("chosen", weak, strong)):
        print(report(f"{name:8s} validation", det, val, y_val, w, s))
        print(report(f"{name:8s} fresh dev ", det, dev, y_dev, w, s))
    print("fusion:\n  model_veto_below:")
    for key, values in (("weak", weak), ("strong", strong)):
        pairs = ", ".join(f"{lab}: {v}" for lab, v in zip(LABELS, values, strict=True))
        print(f"    {key}: {{{pairs}}}")


if __name__ == "__main__":
    main()
