"""Word segmentation for the word n-gram features: Thai (PyThaiNLP newmm) and Chinese (jieba) have no
spaces between words; Vietnamese words are syllable groups, which word bigrams over syllables capture;
the rest split on whitespace and punctuation."""

from __future__ import annotations

import logging
from functools import lru_cache

import regex

_TOKEN = regex.compile(
    r"[\u0e00-\u0e7f]+|[\u3400-\u9fff]+|[\p{L}\p{N}][\p{L}\p{N}_.@/+~\-]*[\p{L}\p{N}]|[\p{L}\p{N}]"
)


@lru_cache(maxsize=1)
def _thai():
    from pythainlp.tokenize import word_tokenize

    return word_tokenize


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Words of a normalised text, with Thai and Chinese runs segmented."""
    if text.isascii():
        return _TOKEN.findall(text)
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        first = tok[0]
        if "\u0e00" <= first <= "\u0e7f" or "\u3400" <= first <= "\u9fff":
            out.extend(_segment_run(tok))
        else:
            out.append(tok)
    return out


@lru_cache(maxsize=1 << 16)
def _segment_run(run: str) -> tuple[str, ...]:
    """The words of one Thai or Han run; remembered, since shop phrases and greetings recur constantly and
    segmenting is the costliest step of the features (50-100 µs a run)."""
    if "\u0e00" <= run[0] <= "\u0e7f":
        words = _thai()(run, engine="newmm", keep_whitespace=False)
    else:
        words = _jieba().lcut(run)
    return tuple(w for w in words if w.strip())
