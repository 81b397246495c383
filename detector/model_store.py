"""Shipped models: a folder per version with the joblib artifact and a card; integrity-checked on load.

joblib (pickle) runs code while loading, so the artifact's sha256 must match the card written at training
time before `joblib.load` ever sees it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

ARTIFACT = "model.joblib"
CARD = "card.json"


class ModelIntegrityError(ValueError):
    """The artifact does not match its card (tampered, truncated or unknown)."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _version_key(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in name.replace("-", ".").split("."))


def newest_model_dir(models_dir: Path) -> Path | None:
    if not models_dir.is_dir():
        return None
    dirs = [d for d in models_dir.iterdir() if (d / CARD).is_file() and (d / ARTIFACT).is_file()]
    return max(dirs, key=lambda d: _version_key(d.name)) if dirs else None


def read_card(model_dir: Path) -> dict[str, Any]:
    try:
        card = json.loads((model_dir / CARD).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelIntegrityError(f"{model_dir}: unreadable model card: {exc}") from exc
    if not isinstance(card, dict) or not isinstance(card.get("artifact_sha256"), str):
        raise ModelIntegrityError(f"{model_dir}: model card has no artifact_sha256")
    return card


def load_model(model_dir: Path) -> Any:
    """Verify the artifact against the card, then load it. Raises ModelIntegrityError on a mismatch."""
    model_dir = Path(model_dir)
    if not (model_dir / ARTIFACT).is_file():
        raise FileNotFoundError(f"no {ARTIFACT} in {model_dir}")
    card = read_card(model_dir)
    actual = sha256_file(model_dir / ARTIFACT)
    if actual != card["artifact_sha256"]:
        raise ModelIntegrityError(
            f"{model_dir / ARTIFACT}: sha256 {actual[:12]}... does not match the card's "
            f"{card['artifact_sha256'][:12]}...; refusing to load a tampered or unknown model"
        )
    import joblib

    model = joblib.load(model_dir / ARTIFACT)
    from detector.classifier import FEATURE_SCHEME

    scheme = getattr(model.classifier, "feature_scheme_", 1)
    if scheme != FEATURE_SCHEME:
        raise ModelIntegrityError(
            f"{model_dir}: the model was trained on feature scheme {scheme}, this detector computes scheme "
            f"{FEATURE_SCHEME}; retrain it (python -m training.train) or use the detector version it names"
        )
    model.card = card
    return model
