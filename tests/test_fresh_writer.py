"""The fresh-writer evaluation set: built from templates never trained on, and measured."""

from __future__ import annotations

from collections import Counter

import pytest

from detector.labels import LABELS, LANGUAGES
from training.fresh import fresh_report, fresh_rows
from training.splits import read_corpus


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return fresh_rows()


def test_fresh_set_covers_every_label_and_language(rows: list[dict]) -> None:
    labels = Counter(lab for r in rows for lab in r["labels"])
    assert all(labels[lab] >= 200 for lab in LABELS)
    langs = Counter(r["lang"] for r in rows)
    assert all(langs[lang] >= 300 for lang in LANGUAGES)
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["hard_negative"] >= 1000 and kinds["compliant"] >= 500
    assert all(r["id"].startswith("fresh-") and r["group"].startswith("fresh:") for r in rows)


def test_fresh_set_shares_no_text_or_template_with_the_corpus(rows: list[dict]) -> None:
    corpus = read_corpus()
    assert not {r["text"] for r in rows} & {r["text"] for r in corpus}
    assert not {r["group"] for r in rows} & {r.get("group") for r in corpus}


def test_fresh_set_is_deterministic_and_apart_from_the_dev_set(rows: list[dict]) -> None:
    again = fresh_rows()
    assert [r["text"] for r in again] == [r["text"] for r in rows]
    dev = fresh_rows("dev")
    assert len(dev) > 5000
    assert not {r["text"] for r in dev} & {r["text"] for r in rows}
    assert all(r["group"].startswith("freshdev:") for r in dev)


def test_quality_on_the_fresh_writer_set(rows: list[dict]) -> None:
    """Floors under the measurement (model 2026.11.11: fused macro-F1 0.809 at compliant FPR 3.9%, rules alone
    0.716, model alone 0.801; README): a regression guard, not the issue's target, which the test split
    carries."""
    report = fresh_report(rows)
    fused, rules, model = (report[k]["macro_f1"] for k in ("fused", "rules_only", "model_only"))
    assert fused >= 0.80
    assert report["fused"]["compliant_fpr"] <= 0.045
    assert fused > rules and fused > model
