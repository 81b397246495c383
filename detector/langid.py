"""Cheap language identification for the eight covered languages (script first, then function words)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

# plain code-point classes: the standard library's engine matches them as `regex` does, faster
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _data() -> dict:
    with resources.files("detector.lexicons").joinpath("langid.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["simp"] = set(data["simplified_only"]) - set(data["traditional_only"])
    data["trad"] = set(data["traditional_only"]) - set(data["simplified_only"])
    data["vi_re"] = re.compile("[" + re.escape(data["vietnamese_letters"]) + "]")
    return data


class LanguageGuesser:
    def __init__(self, detect_words: dict[str, list[str]]) -> None:
        self._words: dict[str, set[str]] = {
            lang: {w.lower() for w in ws} for lang, ws in detect_words.items()
        }
        # word -> the languages listing it: one look-up per word of a message rather than one per language
        index: dict[str, list[str]] = {}
        for lang, words in self._words.items():
            for w in words:
                index.setdefault(w, []).append(lang)
        self._index: dict[str, tuple[str, ...]] = {w: tuple(langs) for w, langs in index.items()}

    def guess(self, original: str, normalized: str) -> str:
        data = _data()
        ascii_only = normalized.isascii()
        thai = 0 if ascii_only else len(_THAI.findall(normalized))
        han_chars = [] if ascii_only else _HAN.findall(normalized)
        latin_words = _WORD.findall(normalized)
        if thai and thai >= len(han_chars) and thai * 2 >= len(latin_words):
            return "th"
        if han_chars and len(han_chars) * 2 >= len(latin_words):
            simp = sum(c in data["simp"] for c in han_chars)
            trad = sum(c in data["trad"] for c in han_chars)
            return "zh-Hant" if trad > simp else "zh-Hans"
        if not original.isascii() and len(data["vi_re"].findall(original.lower())) >= 2:
            return "vi"
        scores = dict.fromkeys(self._words, 0)  # how many of the words each language lists
        for langs in filter(None, map(self._index.get, latin_words)):
            for lang in langs:
                scores[lang] += 1
        if scores:
            best = max(scores, key=lambda k: (scores[k], k == data["default"]))
            if scores[best] > 0:
                return best
        if thai:
            return "th"
        if han_chars:
            return "zh-Hans"
        return data["default"]
