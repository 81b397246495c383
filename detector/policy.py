"""Fuse rule evidence and model probabilities into per-label decisions, under a config file."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from detector.labels import LABELS

_ORDER = {"allow": 0, "review": 1, "block": 2}


def stricter(a: str, b: str) -> str:
    return a if _ORDER[a] >= _ORDER[b] else b


def _merge(base: dict, override: dict) -> dict:
    out = deepcopy(base)
    for k, v in override.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_policy(config: str | Path | dict | None = None) -> dict[str, Any]:
    with resources.files("detector.config").joinpath("policy.yaml").open(encoding="utf-8") as fh:
        base = yaml.safe_load(fh)
    if config is None:
        return base
    if isinstance(config, dict):
        override = config
    else:
        try:
            override = yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"cannot read policy config {config}: {exc}") from exc
    if not isinstance(override, dict):
        raise ValueError(f"policy config {config} must be a mapping")
    return _merge(base, override)


@dataclass(frozen=True)
class LabelDecision:
    label: str
    score: float
    decision: str
    rule_score: float
    model_score: float | None


class Policy:
    def __init__(
        self, config: dict[str, Any], card_thresholds: dict[str, dict[str, float]] | None = None
    ) -> None:
        self.config = config
        r = config["rules"]
        self.rule_review, self.rule_block, self.negated_cap = r["review"], r["block"], r["negated_cap"]
        m = config["model"]
        self.model_enabled = bool(m.get("enabled", True))
        self.model_review: dict[str, float] = {}
        self.model_block: dict[str, float] = {}
        for label in LABELS:
            card = (card_thresholds or {}).get(label, {})
            self.model_review[label] = _pick(m.get("review"), label, card.get("review"), m["default_review"])
            self.model_block[label] = _pick(m.get("block"), label, card.get("block"), m["default_block"])
        # the lowest model probability that can flag each label (review or block, whichever is lower)
        flag_at = {lab: min(self.model_review[lab], self.model_block[lab]) for lab in LABELS}
        self.model_flag_vector = np.array([flag_at[lab] for lab in LABELS])
        self.corroborated_block = bool(config["fusion"]["corroborated_block"])
        veto = config["fusion"].get("model_veto_below", 0.0)
        if not isinstance(veto, dict) or not ({"weak", "strong"} >= set(veto)):
            veto = {"weak": veto}  # one number or one per-label mapping: weak rule evidence only
        # per label: a vetoable rule hit under rules.block (weak) / at or over it (strong) is dropped when the
        # model's probability is under this
        self.veto_weak = {lab: _pick(veto.get("weak"), lab, None, 0.0) for lab in LABELS}
        self.veto_strong = {lab: _pick(veto.get("strong"), lab, None, 0.0) for lab in LABELS}
        # ... but never where the model flags the label itself
        self._weak_vetoed_under = {lab: min(self.veto_weak[lab], flag_at[lab]) for lab in LABELS}
        self._strong_vetoed_under = {lab: min(self.veto_strong[lab], flag_at[lab]) for lab in LABELS}
        self.explain_top_k = int(m.get("explain_top_k", 5))
        # a label without rule hits (rule score 0) can then be flagged by the model alone
        self.zero_rule_score_allows = self.rule_review > 0 and self.rule_block > 0

    def rule_score(self, weights: list[tuple[float, bool]]) -> tuple[float, bool]:
        """Noisy-or of the plain hits' weights; negated hits count once, at most `negated_cap`.

        Returns (score, every hit negated). Several weakened hits must not add up to a block."""
        miss = 1.0
        for w, negated in weights:
            if not negated:
                miss *= 1.0 - w
        negated_best = max((min(w, self.negated_cap) for w, n in weights if n), default=0.0)
        all_negated = bool(weights) and all(n for _, n in weights)
        return max(1.0 - miss, negated_best), all_negated

    def decide(
        self,
        label: str,
        rule_score: float,
        all_negated: bool,
        model_score: float | None,
        vetoable: bool = True,
    ) -> LabelDecision:
        """`vetoable` False: a rule hit marked `model_veto: false` (a grey case the policy wants reviewed)."""
        decision = "allow"
        if rule_score >= self.rule_block:
            decision = "block"
        elif rule_score >= self.rule_review:
            decision = "review"
        if model_score is not None and self.model_enabled:
            if model_score >= self.model_block[label]:
                decision = stricter(decision, "block")
            elif model_score >= self.model_review[label]:
                corroborated = self.corroborated_block and rule_score >= self.rule_review
                decision = stricter(decision, "block" if corroborated else "review")
        if decision != "allow" and vetoable and model_score is not None and self.model_enabled:
            strong = rule_score >= self.rule_block
            if model_score < (self._strong_vetoed_under if strong else self._weak_vetoed_under)[label]:
                decision = "allow"  # rule evidence the model clearly disagrees with
        if all_negated and decision == "block":
            decision = "review"
        score = max(rule_score, model_score or 0.0)
        return LabelDecision(
            label,
            round(score, 4),
            decision,
            round(rule_score, 4),
            None if model_score is None else round(model_score, 4),
        )


def _pick(configured: Any, label: str, from_card: float | None, default: float) -> float:
    if isinstance(configured, dict) and label in configured:
        return float(configured[label])
    if isinstance(configured, (int, float)):
        return float(configured)
    return float(from_card) if from_card is not None else float(default)
