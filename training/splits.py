"""Train/validation/test splits of the generated corpus plus the external corpora.

1. Near-duplicate removal over all rows: MinHash LSH (datasketch) on character 5-gram shingles of a normalised
   text (NFKC, case-folded, zero-width removed, digit runs -> ``0``, whitespace collapsed); LSH candidates are
   confirmed with the exact shingle Jaccard >= 0.8.
   Rows joined by LSH hits form clusters (union-find); one row per cluster is kept (the first by id order:
   generated rows before external ones), so a cluster never straddles two splits.
2. Generated rows are split by ``group`` (template id): within each (lang, category) class the groups are
   ordered by a stable hash and cut 70/15/15 by rank, so every split sees every label and language and test
   templates are never seen in training. Code-mixed and obfuscated rows share their template's group.
   Rows of the training-only templates (``templates/train_only/``, groups ``trainonly:...``) all go to train:
   more wording to learn from, while validation and test keep their templates.
3. External rows are split by a stable hash of their text, ranked within each label set (stratified),
   70/15/15.

The seed only salts the stable hashes; the same seed gives the same splits on every machine.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from training import CORPUS_PATH, TRAIN_ONLY_PREFIX

NUM_PERM = 128
LSH_PARAMS = (25, 5)  # bands, rows
DEDUP_THRESHOLD = 0.8
SHINGLE = 5
FRACTIONS = (0.70, 0.15, 0.15)
SPLITS = ("train", "validation", "test")

_ZW_RE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_DIGITS_RE = re.compile(r"\d+")
_WS_RE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical form used for near-duplicate detection only."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ZW_RE.sub("", text)
    text = _DIGITS_RE.sub("0", text)
    return _WS_RE.sub(" ", text).strip()


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Character k-grams of the normalised text (the whole text if shorter)."""
    norm = normalise(text)
    if len(norm) <= k:
        return {norm}
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


def jaccard(a: str, b: str) -> float:
    """Exact Jaccard similarity of two texts' shingle sets."""
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def minhash(text: str, shingle_set: set[str] | None = None) -> MinHash:
    """MinHash of the text's shingles (fixed seed and permutations: deterministic)."""
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    mh.update_batch([s.encode("utf-8") for s in sorted(shingle_set or shingles(text))])
    return mh


class NearDupIndex:
    """MinHash LSH tuned for recall (25 bands x 5 rows: a pair at Jaccard 0.8 is missed with p ~ 5e-5),
    every candidate confirmed with the exact shingle Jaccard against ``threshold``."""

    def __init__(self, threshold: float = DEDUP_THRESHOLD) -> None:
        self.threshold = threshold
        self.lsh = MinHashLSH(num_perm=NUM_PERM, params=LSH_PARAMS)
        self.sets: dict[str, set[str]] = {}

    def near(self, text: str) -> tuple[list[str], MinHash, set[str]]:
        """Keys of indexed texts at Jaccard >= threshold, plus the query's MinHash and shingles."""
        sh = shingles(text)
        mh = minhash(text, sh)
        hits = []
        for key in self.lsh.query(mh):
            other = self.sets[key]
            if len(sh & other) >= self.threshold * len(sh | other):
                hits.append(key)
        return sorted(hits), mh, sh

    def add(self, key: str, mh: MinHash, sh: set[str]) -> None:
        self.lsh.insert(key, mh)
        self.sets[key] = sh


def near_duplicate_clusters(texts: list[str], threshold: float = DEDUP_THRESHOLD) -> list[int]:
    """Cluster index (the smallest member's position) for every text; near pairs are joined by union-find."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = NearDupIndex(threshold)
    for i, text in enumerate(texts):
        hits, mh, sh = index.near(text)
        for hit in hits:
            a, b = find(i), find(int(hit))
            if a != b:
                parent[max(a, b)] = min(a, b)
        index.add(str(i), mh, sh)
    return [find(i) for i in range(len(texts))]


def dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the first row (in the given order) of every near-duplicate cluster."""
    clusters = near_duplicate_clusters([r["text"] for r in rows])
    return [row for i, row in enumerate(rows) if clusters[i] == i]


def _stable_hash(value: str, seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{value}".encode()).digest()[:8], "big")


def _rank_split(keys: list[str], seed: int) -> dict[str, str]:
    """Assign keys to splits by rank of their stable hash: ~70/15/15, at least one each when n >= 3."""
    ordered = sorted(keys, key=lambda k: (_stable_hash(k, seed), k))
    n = len(ordered)
    n_test = max(1, round(n * FRACTIONS[2])) if n >= 3 else 0
    n_val = max(1, round(n * FRACTIONS[1])) if n >= 3 else 0
    out = {}
    for i, key in enumerate(ordered):
        out[key] = "test" if i < n_test else "validation" if i < n_test + n_val else "train"
    return out


def read_corpus(path: Path = CORPUS_PATH) -> list[dict[str, Any]]:
    """The committed generated corpus, one dict per line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus_sha256(path: Path = CORPUS_PATH) -> str:
    """SHA-256 of the committed corpus file (recorded in model cards)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _group_class(group: str) -> str:
    lang, category, _ = group.split(":")
    return f"{lang}:{category}"


def assign_splits(rows: list[dict[str, Any]], seed: int = 13) -> dict[str, list[dict[str, Any]]]:
    """Split already-deduplicated rows: generated by template group, external by text hash (stratified)."""
    gen = [r for r in rows if not r["source"].startswith("external:")]
    ext = [r for r in rows if r["source"].startswith("external:")]

    by_class: dict[str, set[str]] = defaultdict(set)
    group_split: dict[str, str] = {}
    for r in gen:
        if r["group"].startswith(TRAIN_ONLY_PREFIX + ":"):
            group_split[r["group"]] = "train"
        else:
            by_class[_group_class(r["group"])].add(r["group"])
    for cls in sorted(by_class):
        group_split.update(_rank_split(sorted(by_class[cls]), seed))

    by_labels: dict[str, list[str]] = defaultdict(list)
    for r in ext:
        by_labels[f"{r['source']}|{','.join(r['labels'])}"].append(r["text"])
    text_split: dict[str, str] = {}
    for cls in sorted(by_labels):
        text_split.update(_rank_split(sorted(set(by_labels[cls])), seed))

    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for r in gen:
        out[group_split[r["group"]]].append(r)
    for r in ext:
        out[text_split[r["text"]]].append(r)
    return out


def load_splits(seed: int = 13) -> dict[str, list[dict[str, Any]]]:
    """Generated corpus + external corpora, near-duplicates removed, split into train/validation/test."""
    from training.external import load_external

    rows = read_corpus() + load_external()
    return assign_splits(dedupe(rows), seed)


def label_matrix(rows: list[dict[str, Any]]) -> np.ndarray:
    """Rows x labels 0/1 matrix in ``detector.labels.LABELS`` order (handy for training code)."""
    from detector.labels import LABELS

    y = np.zeros((len(rows), len(LABELS)), dtype=np.int8)
    for i, r in enumerate(rows):
        for lab in r["labels"]:
            y[i, LABELS.index(lab)] = 1
    return y
