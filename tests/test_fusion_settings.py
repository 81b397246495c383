"""The per-label model veto of the decision policy, and the tool that chooses it (training/fusion.py)."""

from __future__ import annotations

import numpy as np
import pytest

from detector import Detector
from detector.labels import LABELS
from detector.policy import Policy, load_policy
from training.fusion import choose, fused_flags, veto_levels
from training.splits import label_matrix, load_splits


def _policy(veto) -> Policy:
    """The shipped policy with its veto replaced whole (not merged: labels left out have no veto)."""
    config = load_policy()
    config["fusion"]["model_veto_below"] = veto
    return Policy(config)


def test_veto_is_per_label_and_per_strength() -> None:
    pol = _policy({"weak": {"data_leak": 0.5}, "strong": {"offplatform_contact": 0.2}})
    # strong rule evidence (>= rules.block) dropped only where a strong veto is set
    assert pol.decide("offplatform_contact", 0.9, False, 0.1).decision == "allow"
    assert pol.decide("group_invite", 0.9, False, 0.01).decision == "block"
    assert pol.decide("offplatform_contact", 0.9, False, 0.3).decision == "block"
    # weak evidence: data_leak's own veto, none elsewhere (absent labels take 0)
    assert pol.decide("data_leak", 0.6, False, 0.4).decision == "allow"
    assert pol.decide("bulk_marketing", 0.6, False, 0.4).decision == "review"
    # grey cases marked model_veto: false are never dropped
    assert pol.decide("data_leak", 0.6, False, 0.01, vetoable=False).decision == "review"


def test_one_number_vetoes_weak_evidence_only() -> None:
    pol = _policy(0.3)
    assert all(pol.veto_weak[lab] == 0.3 and pol.veto_strong[lab] == 0.0 for lab in LABELS)
    assert pol.decide("group_invite", 0.6, False, 0.2).decision == "allow"
    assert pol.decide("group_invite", 0.9, False, 0.2).decision == "block"


def test_a_hit_the_model_flags_is_never_vetoed() -> None:
    pol = Policy(
        load_policy({"fusion": {"model_veto_below": 0.9}, "model": {"review": 0.5, "block": 0.95}})
    )
    assert pol.decide("bulk_marketing", 0.6, False, 0.6).decision == "block"  # corroborated


@pytest.fixture(scope="module")
def validation() -> tuple[Detector, dict, np.ndarray, np.ndarray]:
    rows = load_splits()["validation"][::3]
    det = Detector.load()
    verdicts = det.check_many([r["text"] for r in rows])
    flagged = np.array([[lab in v.label_names() for lab in LABELS] for v in verdicts])
    return det, det.fusion_inputs([r["text"] for r in rows]), label_matrix(rows), flagged


def test_the_tool_decides_as_the_detector_does(validation) -> None:
    det, inputs, _, flagged = validation
    assert (fused_flags(inputs, det, *veto_levels(det.policy)) == flagged).all()


def test_choosing_never_raises_the_compliant_fpr(validation) -> None:
    det, inputs, y, _ = validation
    weak, strong = choose(det, inputs, y)
    assert (strong <= weak).all()
    compliant = ~y.any(axis=1)
    before = fused_flags(inputs, det, *veto_levels(det.policy))
    after = fused_flags(inputs, det, weak, strong)
    assert after[compliant].any(axis=1).mean() <= before[compliant].any(axis=1).mean()
