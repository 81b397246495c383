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
    assert _fpr(Y, p, rules, thresholds) <= tr.MODEL_FPR_BUDGET
    # the clean label costs no false positives: it goes down to its floor; the noisy one stays high
    assert thresholds[LABELS[0]]["review"] <= 0.56
    assert thresholds[LABELS[1]]["review"] > 0.9
    assert all(t["block"] >= t["review"] for t in thresholds.values())


def test_the_budget_is_the_models_share_beside_the_rules_flags() -> None:
    """Compliant messages the rules flag anyway cost the model nothing; the rest it adds stays within the
    budget, however many the rules flag."""
    Y, p = _problem(seed=1)
    compliant = np.flatnonzero(~Y.any(axis=1))
    alone = {lab: {"review": 0.5, "block": 0.8} for lab in LABELS}
    tr._fit_fpr_budget(alone, Y, p, np.zeros(Y.shape, dtype=bool))
    for share in (0.0, 0.05, 0.3):
        rules = np.zeros(Y.shape, dtype=bool)
        rules[compliant[: int(len(compliant) * share)], 2] = True
        thresholds = {lab: {"review": 0.5, "block": 0.8} for lab in LABELS}
        tr._fit_fpr_budget(thresholds, Y, p, rules)
        added = _fpr(Y, p, rules, thresholds) - _fpr(Y, p, rules, {lab: {"review": 2.0} for lab in LABELS})
        assert added <= tr.MODEL_FPR_BUDGET + 1e-12
        # flags the rules already raise are free: the model may go at least as low as on its own
        assert all(thresholds[lab]["review"] <= alone[lab]["review"] for lab in LABELS)


def test_free_steps_stop_at_the_precision_floor() -> None:
    Y, p = _problem(seed=1)
    thresholds = {lab: {"review": 0.5, "block": 0.8} for lab in LABELS}
    thresholds[LABELS[0]]["review"] = 0.7  # the precision-based floor of label 0
    tr._fit_fpr_budget(thresholds, Y, p, np.zeros(Y.shape, dtype=bool))
    assert thresholds[LABELS[0]]["review"] == 0.7  # free steps are taken, down to the precision floor
    assert thresholds[LABELS[1]]["review"] > 0.9  # no budget for a noisy label


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
