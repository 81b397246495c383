"""Corpus building, training and evaluation for outreach-guard (never imported by ``detector``)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TRAINING_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = TRAINING_DIR / "templates"
CORPUS_PATH = TRAINING_DIR / "data" / "corpus.jsonl"
# templates whose rows always go to the train split (templates/train_only/*.yaml); their row ids and template
# groups start with TRAIN_ONLY_PREFIX
TRAIN_ONLY_DIR = TEMPLATES_DIR / "train_only"
TRAIN_ONLY_PREFIX = "trainonly"

CORPUS_LANGS: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant", "ms", "id", "th", "vi", "tl", "mixed")
KINDS: tuple[str, ...] = ("positive", "obfuscated", "hard_negative", "compliant")
ROW_KEYS: tuple[str, ...] = ("id", "lang", "text", "labels", "source", "kind", "group")
