"""Word segmentation for the word n-gram features: Thai (PyThaiNLP newmm) and Chinese (jieba) have no
spaces between words; Vietnamese words are syllable groups, which word bigrams over syllables capture;
the rest split on whitespace and punctuation."""

from __future__ import annotations

import logging
from functools import lru_cache

import regex

_THAI_RUN = regex.compile(r"[\u0e00-\u0e7f]+")
_HAN_RUN = regex.compile(r"[\u3400-\u9fff]+")
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
        if "\u0e00" <= first <= "\u0e7f":
            out.extend(w for w in _thai()(tok, engine="newmm", keep_whitespace=False) if w.strip())
        elif "\u3400" <= first <= "\u9fff":
            out.extend(w for w in _jieba().lcut(tok) if w.strip())
        else:
            out.append(tok)
    return out
