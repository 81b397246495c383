"""Evaluate a detector on labelled rows: per-label precision/recall/F1, per-language macro-F1, the compliant
false-positive rate, the worst errors; as a table, JSON and PNG plots.

A label counts as predicted when the verdict lists it (review or block): a flagged compliant message is a
false positive whatever its decision.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detector.labels import LABELS


@dataclass
class LabelMetrics:
    label: str
    support: int
    precision: float
    recall: float
    f1: float


@dataclass
class Report:
    n: int
    macro_f1: float
    micro_f1: float
    compliant_fpr: float
    compliant_block_rate: float
    per_label: list[LabelMetrics]
    per_language: dict[str, float]
    per_language_n: dict[str, int]
    worst_errors: list[dict[str, Any]] = field(default_factory=list)
    pr_curves: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("pr_curves")
        return d

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def table(self) -> str:
        lines = [f"{'label':<22}{'support':>8}{'precision':>10}{'recall':>8}{'F1':>7}"]
        for m in self.per_label:
            lines.append(f"{m.label:<22}{m.support:>8}{m.precision:>10.3f}{m.recall:>8.3f}{m.f1:>7.3f}")
        lines.append(f"{'macro-F1':<22}{'':>8}{'':>10}{'':>8}{self.macro_f1:>7.3f}")
        lines.append(
            f"compliant false-positive rate: {self.compliant_fpr:.4f} "
            f"(blocked: {self.compliant_block_rate:.4f}) over {self.n} messages"
        )
        lines.append(
            "per-language macro-F1: "
            + ", ".join(
                f"{k} {v:.3f} (n={self.per_language_n[k]})" for k, v in sorted(self.per_language.items())
            )
        )
        return "\n".join(lines)

    def plots(self, out_dir: str | Path) -> list[Path]:
        """Per-label PR curves and per-language bars as PNG files."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        fig, ax = plt.subplots(figsize=(7, 5))
        for label, curve in self.pr_curves.items():
            ax.plot(curve["recall"], curve["precision"], label=label)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_ylim(0, 1.02)
        ax.set_title("Precision-recall per label (fused score)")
        ax.legend(fontsize=8, loc="lower left")
        paths.append(out_dir / "pr_curves.png")
        fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
        plt.close(fig)
        fig, ax = plt.subplots(figsize=(7, 4))
        langs = sorted(self.per_language)
        ax.bar(langs, [self.per_language[k] for k in langs], color="#3b7dd8")
        ax.axhline(0.85, color="#c33", linestyle="--", linewidth=1, label="0.85 target")
        ax.set_ylim(0, 1.0)
        ax.set_ylabel("macro-F1")
        ax.set_title("Macro-F1 per language")
        ax.legend()
        paths.append(out_dir / "per_language.png")
        fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
        plt.close(fig)
        return paths


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _macro_f1(y: np.ndarray, yhat: np.ndarray) -> float:
    """Macro-F1 over the labels present in `y` (a language may lack a label in a small split)."""
    f1s = []
    for j in range(y.shape[1]):
        if y[:, j].sum() == 0:
            continue
        tp = int((y[:, j] & yhat[:, j]).sum())
        fp = int((~y[:, j] & yhat[:, j]).sum())
        fn = int((y[:, j] & ~yhat[:, j]).sum())
        f1s.append(prf(tp, fp, fn)[2])
    return float(np.mean(f1s)) if f1s else 0.0


def _pr_curve(y: np.ndarray, scores: np.ndarray) -> dict[str, list[float]]:
    from sklearn.metrics import precision_recall_curve

    if y.sum() == 0:
        return {"precision": [], "recall": []}
    p, r, _ = precision_recall_curve(y, scores)
    step = max(1, len(p) // 200)
    return {"precision": p[::step].tolist(), "recall": r[::step].tolist()}


def score_rows(verdicts: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted label matrix, fused scores and blocked matrix from verdicts."""
    n = len(verdicts)
    pred = np.zeros((n, len(LABELS)), dtype=bool)
    blocked = np.zeros((n, len(LABELS)), dtype=bool)
    scores = np.zeros((n, len(LABELS)))
    idx = {lab: j for j, lab in enumerate(LABELS)}
    for i, v in enumerate(verdicts):
        for lr in v.labels:
            j = idx[lr.label]
            pred[i, j] = True
            blocked[i, j] = lr.decision == "block"
            scores[i, j] = lr.score
    return pred, scores, blocked


def evaluate(detector: Any, rows: Iterable[dict], *, batch_size: int = 512, worst: int = 20) -> Report:
    """Score `rows` (dicts with `text`, `labels`, optional `lang`, `id`, `context`) and measure."""
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to evaluate")
    verdicts = []
    for i in range(0, len(rows), batch_size):
        chunk = rows[i : i + batch_size]
        verdicts += detector.check_many([r["text"] for r in chunk], [r.get("context") for r in chunk])
    return report_from_verdicts(rows, verdicts, worst=worst)


def variants(model_dir: str | Path | None = None) -> dict[str, Any]:
    """The three detectors a quality table compares: fused (the default), the rules alone, and the model
    alone (rule evidence never reaching review)."""
    from detector.detector import Detector

    return {
        "fused": Detector.load(model_dir),
        "rules_only": Detector.load(use_model=False),
        "model_only": Detector.load(model_dir, config={"rules": {"review": 1.01, "block": 1.01}}),
    }


def report_from_verdicts(rows: Sequence[dict], verdicts: Sequence[Any], *, worst: int = 20) -> Report:
    y = np.array([[lab in r.get("labels", []) for lab in LABELS] for r in rows], dtype=bool)
    pred, scores, blocked = score_rows(verdicts)
    per_label = []
    for j, lab in enumerate(LABELS):
        tp = int((y[:, j] & pred[:, j]).sum())
        fp = int((~y[:, j] & pred[:, j]).sum())
        fn = int((y[:, j] & ~pred[:, j]).sum())
        p, r, f = prf(tp, fp, fn)
        per_label.append(LabelMetrics(lab, int(y[:, j].sum()), round(p, 4), round(r, 4), round(f, 4)))
    tp, fp, fn = int((y & pred).sum()), int((~y & pred).sum()), int((y & ~pred).sum())
    compliant = ~y.any(axis=1)
    fpr = float(pred[compliant].any(axis=1).mean()) if compliant.any() else 0.0
    block_rate = float(blocked[compliant].any(axis=1).mean()) if compliant.any() else 0.0
    langs = np.array([r.get("lang") or "?" for r in rows])
    per_language, per_language_n = {}, {}
    for lang in sorted(set(langs)):
        m = langs == lang
        per_language[lang] = round(_macro_f1(y[m], pred[m]), 4)
        per_language_n[lang] = int(m.sum())
    errors = []
    for i, r in enumerate(rows):
        missed = [lab for j, lab in enumerate(LABELS) if y[i, j] and not pred[i, j]]
        extra = [lab for j, lab in enumerate(LABELS) if pred[i, j] and not y[i, j]]
        if missed or extra:
            severity = sum(scores[i, LABELS.index(lab)] for lab in extra) + len(missed)
            errors.append(
                {
                    "id": r.get("id"),
                    "lang": r.get("lang"),
                    "text": r["text"][:300],
                    "expected": r.get("labels", []),
                    "predicted": [lr.label for lr in verdicts[i].labels],
                    "missed": missed,
                    "false": extra,
                    "severity": round(float(severity), 3),
                }
            )
    errors.sort(key=lambda e: -e["severity"])
    return Report(
        n=len(rows),
        macro_f1=round(float(np.mean([m.f1 for m in per_label])), 4),
        micro_f1=round(prf(tp, fp, fn)[2], 4),
        compliant_fpr=round(fpr, 4),
        compliant_block_rate=round(block_rate, 4),
        per_label=per_label,
        per_language=per_language,
        per_language_n=per_language_n,
        worst_errors=errors[:worst],
        pr_curves={lab: _pr_curve(y[:, j], scores[:, j]) for j, lab in enumerate(LABELS)},
    )


def read_jsonl(path: str | Path) -> tuple[list[dict], list[dict]]:
    """Labelled rows from a JSONL file and the rejected lines (with line numbers and reasons)."""
    rows, rejects = [], []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                rejects.append({"line": n, "reason": f"not a UTF-8 JSON object: {exc}"})
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                rejects.append({"line": n, "reason": "missing string field 'text'"})
                continue
            labels = obj.get("labels", [])
            if not isinstance(labels, list) or any(lab not in LABELS for lab in labels):
                rejects.append({"line": n, "reason": f"labels must be a list of {list(LABELS)}"})
                continue
            rows.append(obj)
    return rows, rejects
