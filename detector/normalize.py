"""Canonicalise a message against evasion, keeping a map back to the original offsets.

Stages (each one only pays when it has something to change):
1. NFKC (full-width, circled digits, ligatures, math letters), per character so offsets survive.
2. A 1:1 translation table: lower-casing, homoglyphs (Cyrillic/Greek/small caps), Latin diacritics stripped
   (Latin runs only: Thai and Chinese pass untouched), Thai and dingbat digits to ASCII.
3. Regex rewrites with offset tracking: invisible/joiner/bidi/combining marks removed, keycap emoji digits,
   "dot"/"titik"/"chấm"/"点" and "slash" written out inside links, spaced or dotted letters re-joined,
   dictionary-guided leetspeak, runs of digit words turned into digits, whitespace collapsed.
The whole pipeline is repeated until it reaches a fixed point, so `normalize` is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import regex
import yaml


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus, for each of its characters, the original span it came from."""

    original: str
    text: str
    starts: tuple[int, ...] | None  # None means identity (nothing moved)
    ends: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class _Tables:
    translate: dict[int, str]
    keywords: frozenset[str]
    leet: dict[str, str]
    digit_words: dict[str, str]
    dot_re: regex.Pattern
    slash_re: regex.Pattern
    digit_run_re: regex.Pattern
    digit_token_re: regex.Pattern
    dot_words: tuple[str, ...]
    slash_words: tuple[str, ...]
    latin_digit_words: frozenset[str]
    other_digit_re: re.Pattern[str]
    ascii_is_lower: bool  # the table maps ASCII as str.lower() does: ASCII texts take the fast path


def _data() -> dict:
    with resources.files("detector.lexicons").joinpath("normalize.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _strip_latin_diacritics(ch: str) -> str | None:
    """'ệ' -> 'e', 'đ' -> 'd' for Latin letters only; None when nothing to fold."""
    name = unicodedata.name(ch, "")
    if "LATIN" not in name:
        return None
    base = unicodedata.normalize("NFD", ch)[0]
    if base != ch and base.isascii():
        return base
    return None


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    data = _data()
    table: dict[int, str] = {}
    # Latin letters with diacritics (Latin-1 Supplement .. Latin Extended Additional), lower-cased and folded.
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        low = ch.lower()
        if len(low) != 1:
            continue
        folded = _strip_latin_diacritics(low)
        if folded:
            table[cp] = folded
    for src, dst in data["extra_folds"].items():
        table[ord(src)] = dst
    for group in data["homoglyphs"].values():
        for dst, srcs in group.items():
            for src in srcs:
                table[ord(src)] = dst
    for digit, srcs in data["digits"].items():
        for src in srcs:
            table[ord(src)] = str(digit)
    # Lower-casing that keeps length (ASCII and beyond) for everything not mapped above.
    for cp in range(0x41, 0x5B):
        table.setdefault(cp, chr(cp + 32))
    for cp in range(0x80, 0x2000):
        ch = chr(cp)
        if cp in table:
            continue
        low = ch.lower()
        if low != ch and len(low) == 1:
            table[cp] = low
    # Close the table under itself so one translate pass is idempotent ("Ӓ" -> "ӓ" -> "a").
    for cp, dst in list(table.items()):
        seen = {cp}
        while len(dst) == 1 and ord(dst) in table and ord(dst) not in seen:
            seen.add(ord(dst))
            dst = table[ord(dst)]
        table[cp] = dst
    digit_words: dict[str, str] = {}
    for words in data["digit_words"].values():
        for digit, forms in words.items():
            for form in forms:
                digit_words[_fold_word(form, table)] = str(digit)
    tlds = tuple(data["tlds"])
    other_digit_words = sorted((w for w in digit_words if not w.isascii()), key=len, reverse=True)
    # the rewrites run on folded text ("chấm" -> "cham"): fold the words they look for the same way
    dot_words = tuple(dict.fromkeys(_fold_word(w, table) for w in data["dot_words"]))
    slash_words = tuple(dict.fromkeys(_fold_word(w, table) for w in data["slash_words"]))
    return _Tables(
        translate=table,
        keywords=frozenset(data["leet_keywords"]),
        leet=dict(data["leet"]),
        digit_words=digit_words,
        dot_re=_dot_words_re(dot_words, tlds),
        slash_re=_slash_words_re(slash_words, tlds),
        digit_run_re=_digit_run_re(tuple(digit_words)),
        digit_token_re=regex.compile(rf"{_alternation(tuple(digit_words))}|[0-9]"),
        dot_words=dot_words,
        slash_words=slash_words,
        latin_digit_words=frozenset(w for w in digit_words if w.isascii()),
        # literals only: the standard library's engine counts them the same, faster
        other_digit_re=re.compile("|".join(map(re.escape, other_digit_words))),
        ascii_is_lower=all(table.get(cp, chr(cp)) == chr(cp).lower() for cp in range(128)),
    )


def _fold_word(word: str, table: dict[int, str]) -> str:
    return unicodedata.normalize("NFKC", word).translate(table)


# Characters that carry no visible content: zero-width, joiners, bidi controls, variation selectors,
# soft hyphen, combining marks over Latin (zalgo), tag characters, NUL and other C0/C1 controls but \t \n.
_INVISIBLE = regex.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    r"\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20df\u20e1\u20e4-\u20f0\ufe20-\ufe2f"
    r"\U000e0000-\U000e007f\U000e0100-\U000e01ef\ud800-\udfff]+"
)
# Chinese has no spaces between words: a space between two Han characters is an evasion ("薇 信 群").
_HAN_GAP = regex.compile(r"(?<=\p{Han})[ \t.·*_\-]+(?=\p{Han})")
_KEYCAP = regex.compile(r"([0-9#*])\u20e3")
_SPACES = regex.compile(r"[^\S\n]{2,}|[^\S\n ]|\n{2,}|\n[^\S\n]+|[^\S\n]+\n")
# Single letters separated by one separator: "w h a t s a p p", "w.h.a.t.s", "l-i-n-e", "W.A".
_SPACED = regex.compile(r"(?<![\p{L}\p{N}])(?:\p{Latin}[ .\-_*·•|/]{1,2}){2,}\p{Latin}(?![\p{L}\p{N}])")
_DOTTED_PAIR = regex.compile(r"(?<![\p{L}\p{N}.])\p{Latin}\.\p{Latin}\.?(?![\p{L}\p{N}])")
# Words mixing letters with leet symbols/digits: "wh@ts4pp", "l1ne", "te1egram", "wh4t$app". Bounded by Latin
# letters and digits only: Chinese and Thai run on without spaces ("加我l1ne", "แอดl1ne").
_LEET_TOKEN = regex.compile(
    r"(?<![\p{Latin}\p{N}])[a-z0-9@$!|+]*[0-9@$!|+][a-z0-9@$!|+]*(?![\p{Latin}\p{N}])"
)


# Gates: cheap tests, true whenever the rewrite they guard can change something. They use the standard
# library's engine, several times faster than `regex` on such plain classes (identical on code-point classes;
# the supersets are checked over every code point by tests/test_normalize.py).
_INVISIBLE_GATE = re.compile(_INVISIBLE.pattern)
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# _SPACED's middle letter stands between two separators; [A-Za-z\u00aa-\U0010ffff] holds every \p{Latin}
_SPACED_GATE = re.compile(r"[ .\-_*·•|/][A-Za-z\u00aa-\U0010ffff][ .\-_*·•|/]")
# _HAN_GAP: two Han characters with separators between; [\u2e80-\U0003ffff] holds every \p{Han}
_HAN_GAP_GATE = re.compile(r"[\u2e80-\U0003ffff][ \t.·*_\-]+[\u2e80-\U0003ffff]")
_LEET_CHARS = re.compile(r"[a-z][0-9@$!|+]|[0-9@$!|+][a-z]")
_SPACES_GATE = re.compile(r"[^\S ]|  ")  # re's \s holds every character of regex's \s (and \x1c-\x1f)


class _Builder:
    """Text plus per-character original spans; each rewrite composes the maps."""

    __slots__ = ("text", "starts", "ends")

    def __init__(self, text: str, starts: list[int] | None, ends: list[int] | None) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends

    def sub(self, pattern: regex.Pattern, repl: Callable[[regex.Match], str | None]) -> None:
        text = self.text
        pieces: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        last = 0
        changed = False
        starts = self.starts
        ends = self.ends
        for m in pattern.finditer(text):
            out = repl(m)
            if out is None or out == m.group(0):
                continue
            if not changed:
                changed = True
                if starts is None:
                    starts = list(range(len(text)))
                    ends = list(range(1, len(text) + 1))
            s, e = m.span()
            pieces.append(text[last:s])
            new_starts.extend(starts[last:s])
            new_ends.extend(ends[last:s])
            pieces.append(out)
            if out:
                o_start = starts[s] if s < e else (starts[s] if s < len(starts) else ends[-1])
                o_end = ends[e - 1] if e > s else o_start
                new_starts.extend([o_start] * len(out))
                new_ends.extend([o_end] * len(out))
            last = e
        if not changed:
            return
        pieces.append(text[last:])
        new_starts.extend(starts[last:])
        new_ends.extend(ends[last:])
        self.text = "".join(pieces)
        self.starts = new_starts
        self.ends = new_ends


@lru_cache(maxsize=65536)
def _nfkc_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def _nfkc(b: _Builder) -> None:
    text = b.text
    if unicodedata.is_normalized("NFKC", text):
        return
    outs = list(map(_nfkc_char, text))
    b.text = "".join(outs)
    if len(b.text) == len(text):
        return  # every character mapped to one: offsets unchanged
    starts: list[int] = []
    ends: list[int] = []
    src_starts = b.starts if b.starts is not None else range(len(text))
    src_ends = b.ends if b.ends is not None else range(1, len(text) + 1)
    for i, out in enumerate(outs):
        starts.extend([src_starts[i]] * len(out))
        ends.extend([src_ends[i]] * len(out))
    b.starts = starts
    b.ends = ends


def _rewrites(b: _Builder, t: _Tables) -> None:
    """Regex rewrites that may change length; each is guarded by a cheap test."""
    text = b.text
    if not text.isascii():
        if "\u20e3" in text:
            b.sub(_KEYCAP, lambda m: m.group(1))
        if _INVISIBLE_GATE.search(b.text):
            b.sub(_INVISIBLE, lambda m: "")
    elif _ASCII_CONTROLS.search(text):
        b.sub(_INVISIBLE, lambda m: "")
    if any(map(b.text.__contains__, t.dot_words)):
        b.sub(t.dot_re, lambda m: ".")
    if any(map(b.text.__contains__, t.slash_words)):
        b.sub(t.slash_re, lambda m: "/")
    if _SPACED_GATE.search(b.text):
        b.sub(_SPACED, lambda m: _join_letters(m.group(0)))
    if _HAN_GAP_GATE.search(b.text):
        b.sub(_HAN_GAP, lambda m: "")
    if "." in b.text:
        b.sub(_DOTTED_PAIR, lambda m: _join_letters(m.group(0)))
    if _LEET_CHARS.search(b.text):  # a letter next to a digit or symbol: "l1ne", "wh@ts"
        b.sub(_LEET_TOKEN, lambda m: _unleet(m.group(0), t))
    if _may_have_digit_words(b.text, t):
        b.sub(t.digit_run_re, lambda m: _digits_from_words(m.group(0), t))
    if _SPACES_GATE.search(b.text):
        b.sub(_SPACES, lambda m: "\n" if "\n" in m.group(0) else " ")


def _join_letters(s: str) -> str:
    return "".join(c for c in s if c.isalpha())


def _unleet(token: str, t: _Tables) -> str | None:
    """Fold a leet token only when it spells a known keyword ("l1ne" -> "line", not "c0d" -> "cod")."""
    core = token.rstrip("!+")
    tail = token[len(core) :]
    if not any(c.isalpha() for c in core):
        return None
    options: list[str] = [""]
    for c in core:
        subs = t.leet.get(c, c)
        options = [o + s for o in options for s in subs][:16]
    for folded in options:
        if folded in t.keywords:
            return folded + tail
    return None


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


def _dot_words_re(words: tuple[str, ...], tlds: tuple[str, ...]) -> regex.Pattern:
    # "shop88 dot com", "wa (titik) me", "t 点 me": only when a domain-like word follows.
    alts, tld = _alternation(words), _alternation(tlds)
    return regex.compile(
        rf"(?<=[\p{{Latin}}\p{{N}}])[ \t]*[(\[{{]?[ \t]*(?:{alts})[ \t]*[)\]}}]?[ \t]*"
        rf"(?=(?:{tld})(?![\p{{L}}])|[\p{{Latin}}\p{{N}}]+[ \t]*[(\[{{]?[ \t]*(?:{alts}))"
    )


def _slash_words_re(words: tuple[str, ...], tlds: tuple[str, ...]) -> regex.Pattern:
    # "wa.me slash 60123": only right after a domain.
    alts, tld = _alternation(words), _alternation(tlds)
    return regex.compile(
        rf"(?<=\.(?:{tld}))[ \t]*[(\[{{]?[ \t]*(?:{alts})[ \t]*[)\]}}]?[ \t]*(?=[\p{{Latin}}\p{{N}}+~])"
    )


def _digit_run_re(words: tuple[str, ...]) -> regex.Pattern:
    latin = tuple(w for w in words if w.isascii())
    other = tuple(w for w in words if not w.isascii())
    word = rf"(?:(?<![\p{{L}}])(?:{_alternation(latin)})(?![\p{{L}}])|{_alternation(other)})"
    # Three or more number words or digits in a row: "kosong satu dua", "零一二三", "0 one two".
    return regex.compile(rf"(?:{word}|[0-9])(?:[ \t,\-.]{{0,2}}(?:{word}|[0-9])){{2,}}")


_LATIN_WORD = re.compile(r"[a-z]+")


def _may_have_digit_words(text: str, t: _Tables) -> bool:
    """Cheap gate for the digit-word regex (the normaliser's slowest): two number words at least."""
    found = sum(map(t.latin_digit_words.__contains__, _LATIN_WORD.findall(text)))
    if found >= 2:
        return True
    return not text.isascii() and found + len(t.other_digit_re.findall(text)) >= 2


def _digits_from_words(s: str, t: _Tables) -> str | None:
    """Digits for a run of number words; None when the run is mostly digits already (keep its format)."""
    tokens = t.digit_token_re.findall(s)
    if sum(1 for w in tokens if not w.isdigit()) < 2:
        return None
    return "".join(w if w.isdigit() else t.digit_words[w] for w in tokens)


def _once(b: _Builder, t: _Tables) -> None:
    _nfkc(b)
    text = b.text  # 1:1, offsets unchanged
    b.text = text.lower() if t.ascii_is_lower and text.isascii() else text.translate(t.translate)
    _rewrites(b, t)


def normalize(text: str) -> Normalized:
    """Return the canonical form of `text` with an offset map back into it.

    Raises TypeError for non-str input. Never raises on any str (lone surrogates and NUL included).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    t = _tables()
    b = _Builder(text, None, None)
    _once(b, t)
    # Only a pass that moved characters can expose new work (a re-joined word that is now leet, ...).
    for _ in range(3):
        if b.starts is None:
            break
        before = b.text
        _once(b, t)
        if b.text == before:
            break
    return Normalized(
        original=text,
        text=b.text,
        starts=tuple(b.starts) if b.starts is not None else None,
        ends=tuple(b.ends) if b.ends is not None else None,
    )


def normalize_text(text: str) -> str:
    """Only the canonical text (used for lexicon phrases and model features)."""
    return normalize(text).text
