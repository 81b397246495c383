"""The rule test table: every language x label, run through the rules path only (no model).

Cases live in tests/rule_cases/<lang>.yaml:
    language: th
    labels:
      <label>:
        positive:   [...]   # label present with decision "block" (or `expect.decision`)
        obfuscated: [...]   # same, for evasive spellings the normaliser must undo
        negation:   [...]   # refusals/negations: label absent or at most "review"
        benign:     [...]   # look-alikes: label absent
    hard_negatives: [...]   # compliant messages: no label at all, decision "allow"
A case is a string (the text) or a mapping {text, expect?, context?}; `expect` overrides the kind's default:
{label, decision} | {label, max_decision} | {label, absent: true} | {none: true}.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from detector import Detector
from detector.labels import LABELS, LANGUAGES

CASES_DIR = Path(__file__).parent / "rule_cases"
KINDS = ("positive", "obfuscated", "negation", "benign")
MIN_PER_KIND = {"positive": 2, "obfuscated": 1, "negation": 1, "benign": 1}
MIN_HARD_NEGATIVES = 10
RANK = {"allow": 0, "review": 1, "block": 2}


def _files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def _default_expect(kind: str, label: str) -> dict:
    if kind in ("positive", "obfuscated"):
        return {"label": label, "decision": "block"}
    if kind == "negation":
        return {"label": label, "max_decision": "review"}
    return {"label": label, "absent": True}


def _case(item: object, expect: dict) -> dict:
    if isinstance(item, str):
        return {"text": item, "expect": expect, "context": None}
    assert isinstance(item, dict) and "text" in item, f"bad case {item!r}"
    return {"text": item["text"], "expect": item.get("expect", expect), "context": item.get("context")}


def _load_cases() -> list[pytest.param]:
    params = []
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lang = data["language"]
        for label, kinds in data.get("labels", {}).items():
            for kind, items in kinds.items():
                for i, item in enumerate(items or [], 1):
                    case = _case(item, _default_expect(kind, label))
                    params.append(pytest.param(case, id=f"{lang}-{label}-{kind}-{i}"))
        for i, item in enumerate(data.get("hard_negatives", []) or [], 1):
            params.append(pytest.param(_case(item, {"none": True}), id=f"{lang}-hard_negative-{i}"))
    return params


@lru_cache(maxsize=1)
def _detector() -> Detector:
    return Detector.load(use_model=False)


def _describe(verdict) -> str:
    return ", ".join(f"{lr.label}={lr.decision}({lr.rule_score:.2f})" for lr in verdict.labels) or "no labels"


@pytest.mark.parametrize("case", _load_cases())
def test_rule_case(case: dict) -> None:
    verdict = _detector().check(case["text"], case["context"])
    expect = case["expect"]
    got = _describe(verdict)
    if expect.get("none"):
        assert verdict.labels == [], f"expected no label, got {got}"
        assert verdict.decision == "allow"
        return
    label = expect["label"]
    result = verdict.get(label)
    if expect.get("absent"):
        assert result is None, f"expected no {label}, got {got}"
    elif "max_decision" in expect:
        assert result is None or RANK[result.decision] <= RANK[expect["max_decision"]], (
            f"expected {label} at most {expect['max_decision']}, got {got}"
        )
    else:
        assert result is not None, f"expected {label}={expect['decision']}, got {got}"
        assert result.decision == expect["decision"], f"expected {label}={expect['decision']}, got {got}"
        assert RANK[verdict.decision] >= RANK[result.decision], "overall decision below the label's"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_table_covers_every_label(lang: str) -> None:
    """The table itself: each language has every label x kind, and enough hard negatives."""
    path = CASES_DIR / f"{lang}.yaml"
    assert path.exists(), f"missing {path.name}"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["language"] == lang
    for label in LABELS:
        kinds = data["labels"].get(label, {})
        for kind, minimum in MIN_PER_KIND.items():
            assert len(kinds.get(kind) or []) >= minimum, f"{lang}/{label}/{kind}: fewer than {minimum} cases"
    assert len(data.get("hard_negatives") or []) >= MIN_HARD_NEGATIVES
