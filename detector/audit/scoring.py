"""Scoring one chunk of seller messages: verdicts, clustering keys and signatures, then the chunk's files.

Runs inside joblib/Dask workers; the Detector is loaded once per process and cached.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import regex
import yaml

from .masking import NUM_PERM, cluster_key_text, mask_pii_display, signature
from .schema import Message

KEY_CHARS = 240  # clustering-key text kept per message (masked) for cluster examples
SHOW_CHARS = 600  # displayed (PII-masked) text kept per flagged message


@lru_cache(maxsize=4)
def _detector(options_json: str) -> Any:
    from detector import Detector

    det = Detector.load(**json.loads(options_json))
    det.warm_up()  # segmenters loaded, and the worker's long-lived objects out of the GC's sweeps
    return det


def get_detector(options: dict[str, Any] | None = None) -> Any:
    return _detector(json.dumps(options or {}, sort_keys=True))


def detector_fingerprint(options: dict[str, Any] | None = None) -> dict[str, str]:
    """The detector's version and model checksum without loading it (the driver of a parallel run has no use
    for a Detector of its own: only workers score)."""
    from detector import __version__
    from detector.detector import default_models_dir
    from detector.model_store import newest_model_dir, read_card

    options = options or {}
    if not options.get("use_model", True):
        return {"version": f"{__version__}+rules", "model_sha256": ""}
    path = options.get("path")
    model_dir = Path(path) if path else newest_model_dir(default_models_dir())
    if model_dir is None:
        return {"version": f"{__version__}+rules", "model_sha256": ""}
    card = read_card(model_dir)
    return {
        "version": f"{__version__}+{card.get('version', model_dir.name)}",
        "model_sha256": card["artifact_sha256"],
    }


@lru_cache(maxsize=1)
def _promo_regex() -> regex.Pattern[str]:
    data = yaml.safe_load((Path(__file__).with_name("promo_cues.yaml")).read_text(encoding="utf-8"))
    return regex.compile("|".join(f"(?:{c['pattern']})" for c in data["cues"]), regex.I)


def is_promotional(key_text: str) -> bool:
    return _promo_regex().search(key_text) is not None


MEMO = 20_000  # verdicts and text facts a worker remembers (canned replies recur: half a chat log's texts)
_cache: dict[tuple[str, str, str], Any] = {}


def _cache_key(options: str, text: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """A verdict depends on the text and, through personal data, on the recipient's details only."""
    recipient = context.get("recipient")
    return options, text, json.dumps(recipient, sort_keys=True) if recipient else ""


def cached_verdicts(
    det: Any, options: str, texts: list[str], contexts: list[dict[str, Any]]
) -> list[Any | str]:
    """`_verdicts`, scoring only the (text, recipient) pairs this process has not scored yet."""
    keys = [_cache_key(options, t, c) for t, c in zip(texts, contexts, strict=True)]
    if len(_cache) + len(keys) > MEMO:
        _cache.clear()  # bounded memory; the next chunks refill it
    first: dict[tuple[str, str, str], int] = {}
    for i, k in enumerate(keys):
        if k not in _cache:
            first.setdefault(k, i)
    fresh = list(first.values())
    if fresh:
        scored = _verdicts(det, [texts[i] for i in fresh], [contexts[i] for i in fresh])
        for i, v in zip(fresh, scored, strict=True):
            _cache[keys[i]] = v
    return [_cache[k] for k in keys]


def _verdicts(det: Any, texts: list[str], contexts: list[dict[str, Any]]) -> list[Any | str]:
    """Verdicts, or a reject reason for a text the detector refuses (isolated by falling back to check)."""
    try:
        return list(det.check_many(texts, contexts))
    except ValueError:
        out: list[Any | str] = []
        for t, c in zip(texts, contexts, strict=True):
            try:
                out.append(det.check(t, c))
            except ValueError as e:
                out.append(f"detector refused the text: {str(e)[:120]}")
        return out


def verdict_record(v: Any) -> dict[str, Any]:
    return {
        "decision": v.decision,
        "language": v.language,
        "labels": [lr.model_dump(mode="json") for lr in v.labels],
    }


@lru_cache(maxsize=MEMO)
def text_facts(text: str) -> tuple[str, bool, np.ndarray]:
    """What clustering needs of a text (its key with customer slots masked, whether it is promotional, its
    MinHash signature), remembered like the verdicts: canned replies recur."""
    key = cluster_key_text(text)
    sig = signature(key)
    sig.flags.writeable = False  # shared between the records of every message with this text
    return key[:KEY_CHARS], is_promotional(key), sig


def score_messages(
    msgs: list[Message], contexts: list[dict[str, Any]], detector_options: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], np.ndarray, list[dict[str, Any]]]:
    """Score seller messages -> (records, signatures aligned with records, rejects)."""
    det = get_detector(detector_options)
    options = json.dumps(detector_options or {}, sort_keys=True)
    verdicts = cached_verdicts(det, options, [m.text for m in msgs], contexts) if msgs else []
    records: list[dict[str, Any]] = []
    sigs: list[np.ndarray] = []
    rejects: list[dict[str, Any]] = []
    for m, v in zip(msgs, verdicts, strict=True):
        if isinstance(v, str):
            rejects.append({"source": m.source, "line": m.line, "message_id": m.message_id, "reason": v})
            continue
        key, promotional, sig = text_facts(m.text)
        rec: dict[str, Any] = {
            "m": m.message_id,
            "s": m.seller_id,
            "c": m.customer_id,
            "v": m.conversation_id,
            "t": m.sent_at,
            "src": m.source,
            "ln": m.line,
            "lang": v.language,
            "d": v.decision,
            "k": key,
            "p": promotional,
        }
        if v.labels:
            rec["labels"] = [lr.model_dump(mode="json") for lr in v.labels]
            spans = [
                (e.start, e.end, e.text)
                for lr in v.labels
                for e in lr.evidence
                if e.masked and e.start is not None and e.end is not None
            ]
            rec["x"] = mask_pii_display(m.text, spans)[:SHOW_CHARS]
        records.append(rec)
        sigs.append(sig)
    arr = np.vstack(sigs) if sigs else np.zeros((0, NUM_PERM), dtype=np.uint32)
    return records, arr, rejects


def process_chunk(
    chunk_id: int,
    workdir: str,
    msgs: list[Message],
    contexts: list[dict[str, Any]],
    rejects: list[dict[str, Any]],
    counts: dict[str, int],
    detector_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Worker entry point: score, write the chunk's files atomically, return its stats."""
    from .checkpoint import WorkDir

    t0 = time.perf_counter()
    records, sigs, refused = score_messages(msgs, contexts, detector_options)
    all_rejects = rejects + refused
    stats = {
        "chunk": chunk_id,
        "rows": counts["rows"],
        "scored": len(records),
        "skipped": counts["skipped"],
        "rejected": len(all_rejects),
        "seconds": round(time.perf_counter() - t0, 4),
    }
    WorkDir(workdir).write_chunk(chunk_id, records, sigs, all_rejects, stats)
    return stats
