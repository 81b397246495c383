"""Text keys for bulk-push clustering, and offset-preserving PII masking for the report.

Bulk pushes differ per customer only in slots (name, order id, voucher code, amounts, tracking links), so the
clustering key masks those before shingling: two messages that differ only in slots get the same key.
"""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import regex

from detector.names import find_names

NUM_PERM = 64
SHINGLE = 5
_rng = np.random.RandomState(20240601)
# Multiply-shift hashing (odd 64-bit multipliers, top 32 bits): one universal hash per permutation.
_A = (_rng.randint(0, 1 << 62, size=NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(1)) | np.uint64(
    1
)
_B = _rng.randint(0, 1 << 62, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_SHIFT = np.uint64(32)

_ZW = regex.compile(r"[\p{Cf}\u200b-\u200f\u2060-\u206f\ufeff]")
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_QUERY = regex.compile(r"(?<=\b(?:https?://)?[\w.-]+\.[a-z]{2,}/[^\s?#]*)[?#]\S*", regex.I)
# Codes and ids: ASCII tokens mixing letters and digits (order ids, vouchers, tracking numbers), caps codes.
_CODE = regex.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{2,}(?![A-Za-z0-9_-])"
)
_CAPS = regex.compile(r"\b[A-Z]{5,}\b")
_NUM = regex.compile(r"\d[\d\s.,:/-]*\d|\d")
_WS = regex.compile(r"\s+")


def cluster_key_text(text: str) -> str:
    """Normalised text with customer-specific tokens masked (the clustering input)."""
    t = unicodedata.normalize("NFKC", text)
    t = _ZW.sub("", t)
    t = _EMAIL.sub(" <email> ", t)
    t = _URL_QUERY.sub("?<q>", t)
    for start, end in reversed(find_names(t)):
        t = t[:start] + "<name>" + t[end:]
    t = _CODE.sub("<code>", t)
    t = _CAPS.sub("<code>", t)
    t = _NUM.sub("#", t)
    return _WS.sub(" ", t).strip().casefold()


def exact_key(key_text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(key_text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
    )


def signature(key_text: str) -> np.ndarray:
    """MinHash signature (NUM_PERM uint32) of the key text's character shingles."""
    s = np.frombuffer(key_text.encode("utf-8", "surrogatepass"), dtype=np.uint8).astype(np.uint64)
    n = len(s)
    if n <= SHINGLE:
        hv = np.array([int(s.sum()) + n], dtype=np.uint64)
    else:
        hv = np.zeros(n - SHINGLE + 1, dtype=np.uint64)
        for k in range(SHINGLE):  # polynomial hash of each SHINGLE-byte window, vectorised
            hv = hv * np.uint64(257) + s[k : n - SHINGLE + 1 + k]
        hv = np.unique(hv * np.uint64(0x9E3779B97F4A7C15))
    phv = (hv[:, None] * _A[None, :] + _B[None, :]) >> _SHIFT
    return phv.min(axis=0).astype(np.uint32)


# Offset-preserving masking for displayed examples: each PII character becomes "•", evidence offsets hold.
_PHONE_LIKE = regex.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)")
_LONG_DIGITS = regex.compile(r"\d{6,}")


def mask_pii_display(text: str, masked_evidence: list[tuple[int, int, str]] | None = None) -> str:
    """Mask phones, e-mails, digit runs, names and the Detector's masked evidence, keeping offsets.

    `masked_evidence` holds (start, end, masked text) of evidence the Detector masked: where the masked
    text has the span's length its "*" are copied; otherwise all but the span's first word is blotted.
    """
    chars = list(text)

    def blot(a: int, b: int) -> None:
        for i in range(max(0, a), min(len(chars), b)):
            if not chars[i].isspace():
                chars[i] = "•"

    for rx in (_EMAIL, _PHONE_LIKE, _LONG_DIGITS):
        for m in rx.finditer(text):
            blot(m.start(), m.end())
    for start, end in find_names(text):  # customers' names
        blot(start, end)
    for a, b, shown in masked_evidence or ():
        if 0 <= a <= b <= len(text) and len(shown) == b - a:
            for i, ch in enumerate(shown):
                if ch != text[a + i]:
                    chars[a + i] = "•"
        else:  # lengths differ (names, addresses): keep the span's first word, blot the rest (safe side)
            first = regex.match(r"\s*\S+", text[a:b])
            blot(a + (first.end() if first else 0), b)
    return "".join(chars)
