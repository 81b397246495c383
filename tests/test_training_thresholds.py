"""Training's choices that are not visible in the shipped metrics: fold grouping, sample weights and how the
false-positive budget is spent over the labels."""

from __future__ import annotations

import numpy as np

from detector.labels import LABELS
from training import train as tr


def test_real_corpus_rows_are_their_own_fold_group() -> None:
    # the test split holds out single rows of a real corpus, not the corpus: folds must do the same
    ext = {"id": "ext-uci-1", "source": "external:uci_sms_spam", "group": "external:uci_sms_spam"}
    gen = {"id": "gen-1", "source": "template:v1", "group": "en:bulk_marketing:03"}
    assert tr._group(ext) == "ext-uci-1"
    assert tr._group(gen) == "en:bulk_marketing:03"


def test_hard_negatives_weigh_more() -> None:
    w = tr.sample_weights([{"kind": "hard_negative"}, {"kind": "positive"}, {"kind": "compliant"}])
    assert w.tolist() == [tr.HARD_NEGATIVE_WEIGHT, 1.0, 1.0]


def _problem(seed: int = 0, n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic labels and probabilities: label 0 separates cleanly, label 1 only at a cost in FPR."""
    rng = np.random.default_rng(seed)
    Y = np.zeros((n, len(LABELS)), dtype=np.int8)
    Y[: n // 4, 0] = 1
    Y[n // 4 : n // 2, 1] = 1
    p = rng.uniform(0.0, 0.4, size=Y.shape)
    p[: n // 4, 0] = rng.uniform(0.55, 1.0, n // 4)
    p[n // 4 : n // 2, 1] = rng.uniform(0.5, 1.0, n // 4)
    p[n // 2 :, 1] = np.where(rng.random(n - n // 2) < 0.1, rng.uniform(0.5, 1.0, n - n // 2), p[n // 2 :, 1])
    return Y, p


def _fpr(Y: np.ndarray, p: np.ndarray, rules: np.ndarray, thresholds: dict) -> float:
    review = np.array([thresholds[lab]["review"] for lab in LABELS])
    compliant = ~Y.any(axis=1)
    return float(((p >= review) | rules)[compliant].any(axis=1).mean())


def test_fpr_budget_is_respected_and_spent_where_it_pays() -> None:
    Y, p = _problem()
    rules = np.zeros(Y.shape, dtype=bool)
    thresholds = {lab: {"review": 0.5, "block": 0.8} for lab in LABELS}
    tr._fit_fpr_budget(thresholds, Y, p, rules)
    assert _fpr(Y, p, rules, thresholds) <= tr.FPR_BUDGET
    # the clean label costs no false positives: it goes down to its floor; the noisy one stays high
    assert thresholds[LABELS[0]]["review"] <= 0.56
    assert thresholds[LABELS[1]]["review"] > 0.9
    assert all(t["block"] >= t["review"] for t in thresholds.values())


def test_fpr_budget_counts_the_rules_flags_and_keeps_precision_floors() -> None:
    Y, p = _problem(seed=1)
    rules = np.zeros(Y.shape, dtype=bool)
    compliant = np.flatnonzero(~Y.any(axis=1))
    rules[compliant[: int(len(compliant) * tr.FPR_BUDGET)], 2] = True  # the rules spend the whole budget
    thresholds = {lab: {"review": 0.5, "block": 0.8} for lab in LABELS}
    thresholds[LABELS[0]]["review"] = 0.7  # the precision-based floor of label 0
    top = {lab: {"review": max(tr.THRESHOLD_GRID)} for lab in LABELS}
    before = _fpr(Y, p, rules, top)  # the most careful thresholds: the rules' flags and a few sure scores
    tr._fit_fpr_budget(thresholds, Y, p, rules)
    assert _fpr(Y, p, rules, thresholds) == before  # no step that flags another compliant message
    assert thresholds[LABELS[0]]["review"] == 0.7  # free steps are taken, down to the precision floor
    assert thresholds[LABELS[1]]["review"] == max(tr.THRESHOLD_GRID)  # no budget left for a noisy label


def test_a_precision_threshold_above_the_grid_is_kept() -> None:
    Y, p = _problem(seed=2)
    thresholds = {lab: {"review": 0.5, "block": 0.8} for lab in LABELS}
    thresholds[LABELS[3]] = {"review": 0.995, "block": 0.995}
    tr._fit_fpr_budget(thresholds, Y, p, np.zeros(Y.shape, dtype=bool))
    assert thresholds[LABELS[3]]["review"] == 0.995


def test_dev_mode_never_sees_the_test_split() -> None:
    splits = {
        "train": [{"id": "a"}],
        "validation": [{"id": "b"}, {"id": "c"}],
        "test": [{"id": "t"}],
    }
    dev = tr.dev_splits(splits)
    assert dev["train"] == splits["train"]
    assert dev["test"] == splits["validation"]
    assert not dev["validation"]
    assert all(r["id"] != "t" for part in dev.values() for r in part)
