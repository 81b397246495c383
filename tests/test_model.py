"""The shipped model: integrity, quality on held-out data, fusion, reproducibility, explanations."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from detector import Detector
from detector.detector import default_models_dir
from detector.evaluation import evaluate
from detector.model_store import ModelIntegrityError, load_model, newest_model_dir

MODEL_DIR = newest_model_dir(default_models_dir())


@pytest.fixture(scope="module")
def test_rows() -> list[dict]:
    from training.splits import load_splits

    return load_splits()["test"]


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads((MODEL_DIR / "card.json").read_text(encoding="utf-8"))


def test_a_model_is_shipped_small_and_carded(card: dict) -> None:
    assert MODEL_DIR is not None
    assert (MODEL_DIR / "model.joblib").stat().st_size <= 30 * 1024 * 1024
    assert (MODEL_DIR / "MODEL_CARD.md").is_file()
    for key in ("version", "date", "libraries", "corpus_sha256", "thresholds", "metrics", "data_sources"):
        assert key in card
    from detector.labels import LABELS

    assert set(card["thresholds"]) == set(LABELS)
    assert all(0 < t["review"] <= t["block"] <= 1 for t in card["thresholds"].values())


def test_default_load_uses_the_model() -> None:
    det = Detector.load()
    assert det.model is not None and det.version.endswith(det.model.version)
    v = det.check("Hi kak, pesanan sudah dikirim ya")
    assert v.detector_version == det.version


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "tampered"
    shutil.copytree(MODEL_DIR, bad)
    data = bytearray((bad / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bad / "model.joblib").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="does not match"):
        load_model(bad)
    with pytest.raises(ModelIntegrityError):
        Detector.load(bad)


def test_model_of_another_feature_scheme_is_refused(tmp_path: Path) -> None:
    """An artifact whose features the detector no longer computes would score garbage: refused."""
    import joblib

    from detector.model_store import sha256_file

    old = tmp_path / "old-scheme"
    shutil.copytree(MODEL_DIR, old)
    model = joblib.load(old / "model.joblib")
    model.classifier.feature_scheme_ = 1
    joblib.dump(model, old / "model.joblib", compress=3)
    card = json.loads((old / "card.json").read_text())
    card["artifact_sha256"] = sha256_file(old / "model.joblib")  # a genuine, untampered artifact
    (old / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="feature scheme 1"):
        load_model(old)


def test_unknown_model_without_card_is_refused(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    shutil.copy(MODEL_DIR / "model.joblib", unknown / "model.joblib")
    with pytest.raises(ModelIntegrityError, match="card"):
        load_model(unknown)
    (unknown / "card.json").write_text(json.dumps({"artifact_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="does not match"):
        load_model(unknown)


def test_model_card_text_follows_the_card(card: dict) -> None:
    """MODEL_CARD.md is what `model_card_markdown` makes of card.json (no stale hand edits), and its limits
    name the weakest language and label from the card's own metrics."""
    from training.train import model_card_markdown

    text = (MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert text == model_card_markdown(card)
    fused = card["metrics"]["fused"]
    worst_lang = min(fused["per_language"], key=fused["per_language"].get)
    assert f"{worst_lang} {fused['per_language'][worst_lang]:.3f}" in text
    worst_label = min(fused["per_label"], key=lambda x: x["recall"])
    assert f"{worst_label['label']} {worst_label['recall']:.3f}" in text


def test_quality_on_held_out_split(detector: Detector, test_rows: list[dict]) -> None:
    rep = evaluate(detector, test_rows)
    # Measured (model 2026.11.11, see README): macro-F1 0.9232, compliant FPR 1.51%, weakest id 0.889.
    # The targets, asserted as such: macro-F1 >= 0.92, FPR <= 2%, every language >= 0.85.
    assert rep.macro_f1 >= 0.92
    assert rep.compliant_fpr <= 0.02
    assert min(rep.per_language.values()) >= 0.85
    assert all(m.precision >= 0.85 for m in rep.per_label)


def test_fused_beats_rules_alone_and_model_alone(test_rows: list[dict]) -> None:
    fused = evaluate(Detector.load(MODEL_DIR), test_rows)
    rules = evaluate(Detector.load(use_model=False), test_rows)
    model = evaluate(Detector.load(MODEL_DIR, config={"rules": {"review": 1.01, "block": 1.01}}), test_rows)
    assert fused.macro_f1 > rules.macro_f1
    assert fused.macro_f1 > model.macro_f1


def test_real_corpora_false_positives(detector: Detector, test_rows: list[dict]) -> None:
    ordinary = [r for r in test_rows if str(r["source"]).startswith("external:") and not r["labels"]]
    assert len(ordinary) > 300
    flagged = sum(bool(v.labels) for v in detector.check_many([r["text"] for r in ordinary]))
    assert flagged / len(ordinary) <= 0.02


def test_model_only_violation_is_explained(detector: Detector) -> None:
    text = (
        "Hi dear, we hold on to every buyer's phone and home address in our files so we can reach you "
        "for future deals"
    )
    v = detector.check(text)
    hits = [lr for lr in v.labels if lr.model_score is not None and lr.rule_score < 0.5]
    for lr in hits:
        model_ev = [e for e in lr.evidence if e.model]
        assert model_ev, "a model-only label must carry the n-grams that weighed most"
        for e in model_ev:
            if e.start is not None:
                assert text[e.start : e.end] == e.text or e.masked


def test_policy_override_changes_decisions(detector: Detector, test_rows: list[dict]) -> None:
    texts = [r["text"] for r in test_rows if not r["labels"]][:300]
    strict = Detector.load(config={"model": {"review": 0.05, "block": 0.1}})
    lenient = Detector.load(config={"model": {"enabled": False}})
    flagged = {
        name: sum(v.decision != "allow" for v in det.check_many(texts))
        for name, det in (("strict", strict), ("default", detector), ("rules", lenient))
    }
    assert flagged["strict"] > flagged["default"] >= flagged["rules"]


def test_a_block_threshold_below_review_blocks_in_batches(detector: Detector, test_rows: list[dict]) -> None:
    """A user config may put `block` under `review`: check_many must decide as `Policy.decide` does, not skip
    a message because every probability is under the review thresholds."""
    texts = [r["text"] for r in test_rows if not r["labels"]][:200]
    quiet = [v for v in detector.check_many(texts) if v.decision == "allow"]
    assert quiet
    probs = detector.model.predict_proba(*detector.features(texts))
    low = max(float(np.quantile(probs.max(axis=1), 0.5)), max(detector.policy.veto_weak.values()) + 0.01)
    odd = Detector.load(config={"model": {"review": 0.999, "block": low}})
    verdicts = odd.check_many(texts)
    expected = probs.max(axis=1) >= low
    assert expected.any()
    got = np.array([any(lr.decision == "block" and lr.rule_score == 0 for lr in v.labels) for v in verdicts])
    assert got[expected & ~np.array([bool(v.labels) for v in detector.check_many(texts)])].all()


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_metrics(tmp_path: Path, card: dict) -> None:
    from training.train import train

    new = train(out_dir=tmp_path / "m", verbose=False)
    for variant in ("fused", "model_only"):
        assert abs(new["metrics"][variant]["macro_f1"] - card["metrics"][variant]["macro_f1"]) <= 0.01
        assert (
            abs(new["metrics"][variant]["compliant_fpr"] - card["metrics"][variant]["compliant_fpr"]) <= 0.01
        )


def test_features_equal_the_reference_hashing(detector: Detector) -> None:
    """The numpy char-n-gram hashing and the direct small-batch path give the reference matrix: char
    n-grams hashed one by one (gram_column), sklearn's HashingVectorizers for words and cues."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    from detector.char_hashing import gram_column

    clf = detector.model.classifier
    texts, cues = detector.features(
        ["Hi kak, pesanan sudah dikirim ya", "亲，加微信进群 wx: abc123", "สวัสดีค่ะ เข้ากลุ่มไลน์", "", "a"]
        + [f"join our whatsapp group {i} ab ab ab" for i in range(10)]
    )
    bits = clf.char_features.bit_length() - 1
    rows, cols = [], []
    for i, t in enumerate(texts):
        for g in clf.char_ngrams(t):
            rows.append(i)
            cols.append(gram_column(g, bits))
    chars = sp.coo_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(texts), clf.char_features))
    word, cue = clf._vectorizers()
    expected = sp.hstack(
        [
            normalize(chars.tocsr()),
            word.transform([clf.word_ngrams(t) for t in texts]),
            cue.transform([sorted(c) for c in cues]) * clf.cue_weight,
        ],
        format="csr",
    )
    for batch in (texts, texts[:3]):  # the sklearn path and the small-batch path
        got = clf.transform(batch, cues[: len(batch)])
        assert abs(got - expected[: len(batch)]).max() < 1e-12
    for i, text in enumerate(texts[:3]):  # explanations weigh the columns the message really has
        keys, index, _ = clf.gram_table(text)
        assert keys and set(index.tolist()) <= set(expected[i].indices.tolist())
    assert detector.check_many(texts[:1])[0] == detector.check_many(texts * 3)[0]
