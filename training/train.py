"""Train, calibrate, threshold, evaluate and ship the classifier: `python -m training.train`.

Seeded and deterministic: the same corpus and code give the same artifact and the same metrics.
Writes models/<version>/{model.joblib, card.json, MODEL_CARD.md, metrics.json, plots}.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import date
from pathlib import Path

import joblib
import numpy as np

from detector import Detector, __version__
from detector.classifier import ShippedModel, TextClassifier
from detector.evaluation import evaluate, variants
from detector.labels import LABELS
from detector.model_store import ARTIFACT, CARD, sha256_file
from training.fusion import f1_score, rule_flags, veto_levels
from training.splits import corpus_sha256, label_matrix, load_splits

REPO = Path(__file__).resolve().parents[1]
MODEL_VERSION = "2026.11.11"
BLOCK_PRECISION = 0.95
REVIEW_PRECISION = 0.9
# Floors: a calibrated probability below these never reviews/blocks on its own, however precise it looked
# out of fold (unseen templates are harder than seen ones).
REVIEW_FLOOR = 0.5
BLOCK_FLOOR = 0.8
# Out-of-fold compliant FPR the model may add to the rules' own flags. A budget on the total let the rules'
# flags spend it: on the training-only templates (new wording, never in the held-out splits) the rules flag 3%
# of compliant rows out of fold, against 0.2% of the split templates', which left the model no budget at all.
# Chosen with development models (`python -m training.train --dev`: validation and the fresh dev set, the
# test split unread): 0.004 keeps the validation FPR near 1% (0.006: 1.4%, 0.008: 1.6%). On the round-5
# lexicon 0.008 kept validation at 1.17% (fresh dev 0.764 -> 0.780 at FPR 3.95% -> 4.15%), but its model put
# the test split's FPR at 2.29%, over the 2% target (0.918 against 0.916 at 1.66%), so 0.004 stayed: a choice
# the test split informed, recorded in the README. Out of fold now overstates the model's FPR on unseen
# templates (`python -m training.fpr_gap`: ratio 0.7-0.8).
# Round 6 (the gain below now the model's own F1), dev models with the veto re-chosen: 0.004 gave validation
# 0.9535 at FPR 0.58% and fresh dev 0.782 at 3.33%; 0.006 gave 0.9545 at 0.92% and 0.794 at 3.42%. The rule,
# set before reading any test figure: the largest budget whose validation FPR stays at or under 2026.11.8's
# 0.97% (its test split FPR was 1.66%). 0.006 it is; the test split was read for that model alone.
# Model 2026.11.11 (classifier C 16 -> 64, which ranks better and flags fewer compliant validation rows), the
# same rule: 0.006 gave validation 0.9540 at 0.63%, 0.008 gave 0.9545 at 0.92% (fresh dev 0.809 at 3.53%),
# 0.010 gave 0.9539 at 1.12%, over the cap. 0.008 it is (C 128 at 0.008: 0.9541 at 1.12%).
MODEL_FPR_BUDGET = 0.008
# A budget step's gain is the model's own F1, not the fused (rules | model) F1: the lexicons are written
# while reading train-split rows, so in sample the rules look as if they caught what the model would add,
# and the fused gain starved the labels the rules were last extended for.
# Hard negatives (benign mentions of apps, phones, samples, partners; refusals; negations) weigh this many
# times an ordinary row in the fit: they are what the compliant false-positive rate is made of. Chosen on
# out-of-fold macro-F1 at a fixed out-of-fold FPR (1, 2, 3, 5, 8, 12, 16 tried; the test split not used).
# Re-checked on the round-4 corpus with dev models: 4 gave the same validation figures and fresh dev -0.001.
HARD_NEGATIVE_WEIGHT = 8.0

SOURCES = [
    {
        "name": "outreach-guard generated corpus",
        "path": "training/data/corpus.jsonl",
        "licence": "Apache-2.0 (this project)",
        "made_by": "python -m training.generate_corpus",
    },
    {
        "name": "UCI SMS Spam Collection v.1",
        "licence": "CC BY 4.0",
        "citation": "Almeida, Gomez Hidalgo, Yamakami. DocEng'11.",
    },
    {
        "name": "Indonesian SMS spam dataset v1.0 (Wibisono)",
        "licence": "CC BY-SA 4.0 (share-alike applies to "
        "derivatives: this model's card and any redistribution of derived data)",
        "citation": "Rahmi, F. and Wibisono, Y. (2016).",
    },
    {"name": "Indonesia SMS Spam Dataset (bopbi)", "licence": "CC0 1.0"},
]


def _threshold(y: np.ndarray, p: np.ndarray, precision: float) -> float:
    """The lowest threshold whose precision on validation reaches `precision` (recall allowing);
    otherwise the threshold of best F1."""
    order = np.argsort(-p)
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    prec = tp / np.maximum(tp + fp, 1)
    rec = tp / max(ys.sum(), 1)
    ok = np.where((prec >= precision) & (rec > 0))[0]
    # thresholds sit between consecutive scores; ties resolved by taking the score itself
    if len(ok):
        i = ok[-1]
        return float(max(ps[i], 0.05))
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-9)
    return float(max(ps[int(np.argmax(f1))], 0.05))


THRESHOLD_GRID = tuple(round(0.5 + 0.01 * i, 2) for i in range(50))  # 0.50 .. 0.99


def _fit_fpr_budget(
    thresholds: dict[str, dict[str, float]], Y: np.ndarray, p: np.ndarray, rule_flags: np.ndarray
) -> None:
    """Spend the false-positive budget where it buys most F1: every label's review threshold starts at the
    top of the grid and the label whose next step down gains most F1 (the model's own, above) per
    compliant message newly flagged goes down one step, while the compliant messages the model flags beyond
    the rules' own flags (as the policy's veto leaves them) stay within MODEL_FPR_BUDGET, out of fold. A
    compliant message the rules flag anyway costs nothing. A label never goes below its precision-based
    review threshold."""
    compliant = ~Y.any(axis=1)
    n_comp = max(int(compliant.sum()), 1)
    allowed = int(rule_flags[compliant].any(axis=1).sum()) + MODEL_FPR_BUDGET * n_comp
    grid = np.array(THRESHOLD_GRID)
    level = [len(grid) - 1] * len(LABELS)  # index into the grid, per label
    lowest = [int(np.searchsorted(grid, thresholds[lab]["review"])) for lab in LABELS]
    p_comp, rules_comp = p[compliant], rule_flags[compliant]

    f1 = [f1_score(p[:, j] >= grid[level[j]], Y[:, j]) for j in range(len(LABELS))]
    flagged = (rules_comp | (p_comp >= grid[level])).any(axis=1)
    while True:
        best = None
        for j in range(len(LABELS)):
            if level[j] <= lowest[j]:
                continue
            t = grid[level[j] - 1]
            step_f1 = f1_score(p[:, j] >= t, Y[:, j])
            gain = step_f1 - f1[j]
            new_flagged = flagged | (p_comp[:, j] >= t)  # the rules' own flags are in `flagged` already
            cost = int(new_flagged.sum() - flagged.sum())
            if gain <= 0 or (cost > 0 and new_flagged.sum() > allowed):
                continue
            value = gain / (cost + 0.5)  # free steps first, then F1 per flagged message
            if best is None or value > best[0]:
                best = (value, j, new_flagged, step_f1)
        if best is None:
            break
        _, j, flagged, f1[j] = best
        level[j] -= 1
    for j, lab in enumerate(LABELS):  # max: a precision-based threshold above the grid stays as it is
        thresholds[lab]["review"] = round(max(float(grid[level[j]]), thresholds[lab]["review"]), 4)
        thresholds[lab]["block"] = round(max(thresholds[lab]["block"], thresholds[lab]["review"]), 4)


def shipped_rule_flags(rules: Detector, rows: list[dict], p_oof: np.ndarray) -> np.ndarray:
    """(rows, labels) the rules flag as the shipped policy lets them: rule evidence at review or above, minus
    what the policy's per-label veto drops where the out-of-fold probability is under it."""
    inputs = rules.fusion_inputs([r["text"] for r in rows])
    return rule_flags(inputs, rules.policy, p_oof, *veto_levels(rules.policy))


def _group(row: dict) -> str:
    """The unit the test split holds out, so that out-of-fold scores see what the test split sees: a
    template for generated rows, the row itself for the real corpora (split by text, not by corpus)."""
    if str(row.get("source", "")).startswith("external:"):
        return str(row["id"])
    return str(row.get("group") or row["id"])


def sample_weights(rows: list[dict]) -> np.ndarray:
    return np.array([HARD_NEGATIVE_WEIGHT if r.get("kind") == "hard_negative" else 1.0 for r in rows])


def _fit_and_fold_scores(
    clf: TextClassifier, X, Y: np.ndarray, groups: list[str], folds: int, weights: np.ndarray
) -> tuple[TextClassifier, np.ndarray]:
    """The fit on all rows and the out-of-fold decision scores (folds split by `_group`: no template in
    both halves), in one pool of two workers: the full fit runs beside the folds instead of after them."""
    from joblib import Parallel, delayed
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold

    splits = list(GroupKFold(n_splits=folds).split(X, groups=groups))

    def run(tr, va):
        fitted = clone(clf).fit_matrix(X[tr], Y[tr], weights[tr])
        return fitted if va is None else fitted.decision_matrix(X[va])

    full, *scores = Parallel(n_jobs=2)(delayed(run)(tr, va) for tr, va in [(slice(None), None), *splits])
    oof = np.zeros(Y.shape, dtype=float)
    for (_, va), fold_scores in zip(splits, scores, strict=True):
        oof[va] = fold_scores
    return full, oof


def fit_with_oof(
    rows: list[dict], rules: Detector, seed: int, folds: int
) -> tuple[TextClassifier, np.ndarray, np.ndarray]:
    """Fit the classifier on `rows` (hard negatives weighted) and Platt-calibrate it on group-wise
    out-of-fold scores: (classifier, label matrix, calibrated out-of-fold probabilities)."""
    texts, cues = rules.features([r["text"] for r in rows])
    Y = label_matrix(rows)
    unfitted = TextClassifier(random_state=seed)
    X = unfitted.transform(texts, cues)
    clf, oof = _fit_and_fold_scores(unfitted, X, Y, [_group(r) for r in rows], folds, sample_weights(rows))
    clf.calibrate_scores(oof, Y)
    return clf, Y, clf.calibrated(oof)


def train(
    seed: int = 13, out_dir: Path | None = None, verbose: bool = True, folds: int = 5, dev: bool = False
) -> dict:
    """Fit on train+validation; calibrate and set thresholds from group-wise out-of-fold scores; the
    test split stays untouched until the evaluation at the end.

    `dev`: fit on the train split alone and evaluate on the validation split, the test split never read:
    for choosing settings on templates the model has not seen without spending the test split."""
    t0 = time.perf_counter()
    splits = load_splits(seed)
    if dev:
        splits = dev_splits(splits)
    rules = Detector.load(use_model=False)
    fit_rows = splits["train"] + splits["validation"]
    clf, Y, p_oof = fit_with_oof(fit_rows, rules, seed, folds)
    thresholds = {}
    for j, lab in enumerate(LABELS):
        block = max(BLOCK_FLOOR, _threshold(Y[:, j], p_oof[:, j], BLOCK_PRECISION))
        review = min(block, max(REVIEW_FLOOR, _threshold(Y[:, j], p_oof[:, j], REVIEW_PRECISION)))
        thresholds[lab] = {"review": round(review, 4), "block": round(block, 4)}
    _fit_fpr_budget(thresholds, Y, p_oof, shipped_rule_flags(rules, fit_rows, p_oof))
    shipped = ShippedModel(clf, MODEL_VERSION, thresholds)
    out_dir = out_dir or REPO / "models" / MODEL_VERSION
    out_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(shipped, out_dir / ARTIFACT, compress=3)
    train_seconds = time.perf_counter() - t0
    card = {
        "name": "outreach-guard-classifier",
        "version": MODEL_VERSION,
        "date": date.today().isoformat(),
        "detector_version": __version__,
        "artifact": ARTIFACT,
        "artifact_sha256": sha256_file(out_dir / ARTIFACT),
        "artifact_bytes": (out_dir / ARTIFACT).stat().st_size,
        "corpus_sha256": corpus_sha256(),
        "seed": seed,
        "folds": folds,
        "libraries": _library_versions(),
        "features": {
            "char_ngram_range": list(clf.char_ngram_range),
            "char_features": clf.char_features,
            "word_features": clf.word_features,
            "cue_features": clf.cue_features,
            "C": clf.C,
        },
        "thresholds": thresholds,
        "threshold_policy": threshold_policy(folds),
        "split_sizes": {k: len(v) for k, v in splits.items()},
        "train_seconds": round(train_seconds, 1),
        "data_sources": SOURCES,
    }
    (out_dir / CARD).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    metrics = evaluate_variants(out_dir, splits["test"])
    from training.fresh import fresh_report, fresh_rows  # imports this module

    # a development model is compared on the fresh dev set: the fresh test set only measures shipped models
    metrics["fresh_writer"] = fresh_report(fresh_rows("dev" if dev else "test"), out_dir)
    card["metrics"] = metrics
    (out_dir / CARD).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "MODEL_CARD.md").write_text(model_card_markdown(card), encoding="utf-8")
    if verbose:
        print(f"trained in {train_seconds:.1f}s; artifact {card['artifact_bytes'] / 1e6:.1f} MB")
        print(comparison_table(metrics))
    return card


def threshold_policy(folds: int) -> str:
    """How the thresholds were set, in words, for the card."""
    return (
        f"from {folds}-fold group-wise out-of-fold probabilities on train+validation: block at precision "
        f">= {BLOCK_PRECISION} where recall allows (else best F1), at least {BLOCK_FLOOR}; review at "
        f"precision >= {REVIEW_PRECISION}, at least {REVIEW_FLOOR}, then each label's review threshold "
        f"lowered from 0.99, where a step gains most of the label's own model F1 per compliant message "
        f"flagged, while the out-of-fold compliant FPR the model adds to the rules' own flags stays <= "
        f"{MODEL_FPR_BUDGET}; hard negatives weigh {HARD_NEGATIVE_WEIGHT}x in the fit"
    )


def dev_splits(splits: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """`--dev`: fit on the train split alone and evaluate on validation; the test split is dropped."""
    return {"train": splits["train"], "validation": [], "test": splits["validation"]}


def evaluate_variants(model_dir: Path, test_rows: list[dict]) -> dict:
    """Test-split metrics for the fused detector, rules alone and the model alone."""
    out = {}
    # the card is committed: never carry rows of the real corpora into it (their licences; see README)
    external = {r["id"] for r in test_rows if str(r.get("source", "")).startswith("external:")}
    for name, det in variants(model_dir).items():
        rep = evaluate(det, test_rows, worst=40)
        out[name] = rep.to_dict()
        out[name]["worst_errors"] = [e for e in out[name]["worst_errors"] if e["id"] not in external][:10]
        if name == "fused":
            rep.plots(model_dir / "plots")
            out["real_corpora"] = real_corpora_report(det, test_rows)
    return out


def real_corpora_report(det: Detector, test_rows: list[dict]) -> dict:
    """Per real corpus (held-out rows only): false-positive rate on ordinary messages and recall of
    promotional messages as bulk_marketing."""
    out = {}
    by_source: dict[str, list[dict]] = {}
    for r in test_rows:
        if str(r.get("source", "")).startswith("external:"):
            by_source.setdefault(r["source"], []).append(r)
    for source, rows in sorted(by_source.items()):
        verdicts = det.check_many([r["text"] for r in rows])
        ordinary = [v for r, v in zip(rows, verdicts, strict=True) if not r["labels"]]
        promo = [v for r, v in zip(rows, verdicts, strict=True) if "bulk_marketing" in r["labels"]]
        out[source] = {
            "ordinary_n": len(ordinary),
            "ordinary_fpr": round(sum(bool(v.labels) for v in ordinary) / max(len(ordinary), 1), 4),
            "promo_n": len(promo),
            "promo_recall_bulk_marketing": round(
                sum(any(lr.label == "bulk_marketing" for lr in v.labels) for v in promo) / max(len(promo), 1),
                4,
            ),
        }
    return out


def comparison_table(metrics: dict) -> str:
    lines = [
        "| variant | macro-F1 | micro-F1 | compliant FPR | compliant blocked | worst language macro-F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("fused", "rules_only", "model_only"):
        m = metrics[name]
        worst = min(m["per_language"].items(), key=lambda kv: kv[1])
        lines.append(
            f"| {name} | {m['macro_f1']:.3f} | {m['micro_f1']:.3f} | {m['compliant_fpr']:.4f} | "
            f"{m['compliant_block_rate']:.4f} | {worst[0]} {worst[1]:.3f} |"
        )
    return "\n".join(lines)


def _weakest(scores: dict[str, float], k: int = 2) -> str:
    """The `k` lowest scores, as "name 0.865, name 0.886"."""
    lowest = sorted(scores.items(), key=lambda kv: kv[1])[:k]
    return ", ".join(f"{name} {score:.3f}" for name, score in lowest)


def model_card_markdown(card: dict) -> str:
    m = card["metrics"]
    real = "\n".join(
        f"| {k.removeprefix('external:')} | {v['ordinary_n']} | {v['ordinary_fpr']:.4f} | {v['promo_n']} | "
        f"{v['promo_recall_bulk_marketing']:.4f} |"
        for k, v in m["real_corpora"].items()
    )
    sources = "\n".join(f"- {s['name']}: {s['licence']}" for s in card["data_sources"])
    return f"""# Model card: {card["name"]} {card["version"]}

## Intended use
Scores seller-to-buyer marketplace messages for the seven labels of the customer-data policy (group_invite,
offplatform_contact, bulk_marketing, unsolicited_shipment, third_party_sharing, data_retention, data_leak),
fused
with the rule engine inside `detector.Detector`. It is a screening aid for trust-and-safety teams and seller
tools: a `block` stops a message before it leaves, a `review` queues it for a person. It is not meant to judge
messages outside marketplace chat, nor to decide penalties without a person's review.

## Model
Hashed character n-grams {card["features"]["char_ngram_range"]} of the normalised text, word uni/bigrams (Thai
segmented with PyThaiNLP, Chinese with jieba, Vietnamese syllable bigrams), and the rule engine's cue hits;
one
L2 logistic regression per label, Platt-calibrated on {card["folds"]}-fold group-wise out-of-fold scores.
Fit on the train and validation splits; the train split includes the rows of the training-only templates
(`training/templates/train_only/`, by other writers), which never enter validation or test.
Thresholds: {card["threshold_policy"]}. Artifact {card["artifact_bytes"] / 1e6:.1f} MB, sha256
`{card["artifact_sha256"]}` (checked before loading).

## Evaluation (held-out test split: templates never seen in training; real corpora rows held out)
{comparison_table(m)}

| real corpus | ordinary | false-positive rate | promotional | recall as bulk_marketing |
|---|---|---|---|---|
{real}

## Fresh-writer set (`python -m training.fresh`)
{card["metrics"]["fresh_writer"]["fused"]["n"]} messages rendered from templates by writers who never saw the
rules; never trained on, never used to choose a setting. The closest figure here to a stranger's wording:

{comparison_table(m["fresh_writer"])}

## Limits
- On the fresh-writer set above, quality is far below the test split's: the test split's templates were in
  view when the rules were written. Refusals and warnings worded in new ways ("we don't run any group",
  "someone claiming to be us on WhatsApp is a scam") are the main false positives of both parts.
- Trained mostly on generated messages (written per language from templates, with obfuscation and
  code-mixing), plus real SMS corpora that are not marketplace chat: expect lower recall on phrasings unlike
  the templates, and measure on your own labelled chat before relying on `block` alone.
- Weakest languages (macro-F1): {_weakest(m["fused"]["per_language"])} on the test split;
  {_weakest(m["fresh_writer"]["fused"]["per_language"])} on the fresh-writer set. Weakest labels (recall, test
  split): {_weakest({x["label"]: x["recall"] for x in m["fused"]["per_label"]})}. card.json has every
  per-label and per-language figure.
- Khmer, Burmese, Lao and other languages are out of scope.
- Personal names are recognised from their context only (titles, form fields, a number after them) and are
  masked in evidence; a leak of another buyer's name alone, without their contact details, is not caught.

## Data sources and licences
{sources}

The CC BY-SA 4.0 corpus (Wibisono) is used for training and evaluation only; its rows are not redistributed.
Derived data shared from it must be shared alike.
"""


def _library_versions() -> dict[str, str]:
    import importlib.metadata as md

    names = [
        "scikit-learn",
        "numpy",
        "scipy",
        "joblib",
        "pythainlp",
        "jieba",
        "regex",
        "pyahocorasick",
        "phonenumbers",
    ]
    out = {"python": platform.python_version()}
    for n in names:
        try:
            out[n] = md.version(n)
        except md.PackageNotFoundError:
            out[n] = "missing"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=None, help="model folder (default models/<version>)")
    ap.add_argument(
        "--dev",
        action="store_true",
        help="fit on the train split, evaluate on validation (test untouched); needs --out",
    )
    args = ap.parse_args()
    if args.dev and args.out is None:
        ap.error("--dev writes a development model: give --out (not the shipped folder)")
    train(args.seed, args.out, dev=args.dev)


if __name__ == "__main__":
    main()
