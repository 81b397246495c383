"""Small pure text augmentations used to build the training corpus.

Each function takes the text (or a word) and, where it makes a choice, a ``random.Random``; none has side
effects, so the corpus stays byte-for-byte reproducible from its seed. Two families:

* obfuscation, the tricks sellers use to slip past filters (dotted/spaced letters, leetspeak, full-width,
  Cyrillic look-alikes, zero-width characters, digits as words/emoji/circled, "dot" written out in links);
* noise and code-mixing, which make templates read like hurried chat (typos, case, English words inside
  Malay/Indonesian/Tagalog/Chinese/Thai/Vietnamese sentences).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "g": "9", "b": "8"}
_LEET_ALT = {"a": "@", "i": "!", "s": "$", "o": "()", "e": "€"}
_CYRILLIC = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "i": "і",
    "A": "А",
    "E": "Е",
    "O": "О",
    "P": "Р",
    "C": "С",
    "X": "Х",
    "B": "В",
    "H": "Н",
    "K": "К",
    "M": "М",
    "T": "Т",
}
_CIRCLED = {str(d): c for d, c in enumerate("⓪①②③④⑤⑥⑦⑧⑨")}
_KEYCAP = {str(d): f"{d}\ufe0f\u20e3" for d in range(10)}

DIGIT_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "ms": ("kosong", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "lapan", "sembilan"),
    "id": ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"),
    "tl": ("zero", "isa", "dalawa", "tatlo", "apat", "lima", "anim", "pito", "walo", "siyam"),
    "vi": ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"),
    "th": ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"),
    "zh-Hans": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
    "zh-Hant": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
}
DOT_WORDS: dict[str, tuple[str, ...]] = {
    "en": (" dot ", "(dot)", "[.]"),
    "ms": (" titik ", " dot ", "(dot)"),
    "id": (" titik ", "(titik)", " dot "),
    "tl": (" dot ", "(dot)", " tuldok "),
    "vi": (" chấm ", "(cham)", " cham "),
    "th": (" จุด ", " dot ", "(จุด)"),
    "zh-Hans": ("点", "(点)", " dot "),
    "zh-Hant": ("點", "(點)", " dot "),
}


def dotted(word: str, sep: str = ".") -> str:
    """``whatsapp`` -> ``w.h.a.t.s.a.p.p``."""
    return sep.join(word)


def spaced(word: str) -> str:
    """``line`` -> ``l i n e``."""
    return " ".join(word)


def leet(word: str, rng: random.Random) -> str:
    """Leetspeak: swap some letters for digits/symbols (``whatsapp`` -> ``wh@ts4pp``); always changes one."""
    chars = list(word)
    idx = [i for i, c in enumerate(chars) if c.lower() in _LEET]
    if not idx:
        return word
    picked = rng.sample(idx, k=max(1, len(idx) // 2))
    for i in picked:
        low = chars[i].lower()
        table = _LEET_ALT if low in _LEET_ALT and rng.random() < 0.3 else _LEET
        chars[i] = table[low]
    return "".join(chars)


def fullwidth(text: str) -> str:
    """ASCII letters and digits to their full-width forms (``LINE`` -> ``ＬＩＮＥ``)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def cyrillic(word: str, rng: random.Random) -> str:
    """Replace some Latin letters with Cyrillic look-alikes; always changes one when possible."""
    chars = list(word)
    idx = [i for i, c in enumerate(chars) if c in _CYRILLIC]
    if not idx:
        return word
    for i in rng.sample(idx, k=max(1, (len(idx) + 1) // 2)):
        chars[i] = _CYRILLIC[chars[i]]
    return "".join(chars)


def zero_width(word: str, rng: random.Random) -> str:
    """Insert zero-width characters between letters (invisible to people, breaks naive matching)."""
    if len(word) < 2:
        return word
    out = [word[0]]
    for c in word[1:]:
        if rng.random() < 0.6:
            out.append(rng.choice(ZERO_WIDTH))
        out.append(c)
    return "".join(out)


def spell_digits(text: str, lang: str, rng: random.Random) -> str:
    """Write every digit as a word in ``lang`` (``012`` -> ``kosong satu dua``)."""
    words = DIGIT_WORDS.get(lang, DIGIT_WORDS["en"])
    joiner = "" if lang.startswith("zh") else rng.choice((" ", "-", " "))
    out: list[str] = []
    for c in text:
        if c.isdigit():
            if out and out[-1] not in (" ", "+") and not out[-1].endswith((" ", "+")):
                out.append(joiner)
            out.append(words[int(c)])
        else:
            out.append(c)
    return "".join(out)


def emoji_digits(text: str, rng: random.Random) -> str:
    """Digits as keycap emoji (1️⃣) or circled digits (①), one style per call."""
    table = _KEYCAP if rng.random() < 0.5 else _CIRCLED
    return "".join(table.get(c, c) for c in text)


def spaced_digits(text: str) -> str:
    """``0812345`` -> ``0 8 1 2 3 4 5``."""
    return re.sub(r"(?<=\d)(?=\d)", " ", text)


def dot_words(link: str, lang: str, rng: random.Random) -> str:
    """Write the dots of a link as words (``t.me/+x`` -> ``t dot me/+x``, ``titik``, ``chấm``, ``点``)."""
    word = rng.choice(DOT_WORDS.get(lang, DOT_WORDS["en"]))
    return link.replace(".", word)


# ----- noise and code-mixing -------------------------------------------------------------------------------

_VOWELS = "aeiou"


def typo(text: str, rng: random.Random, rate: float = 0.04) -> str:
    """Hurried typing in Latin script: drop a vowel, double a letter or swap two neighbours, at ``rate``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        r = rng.random()
        if c.isascii() and c.isalpha() and r < rate:
            op = rng.randrange(3)
            if op == 0 and c.lower() in _VOWELS:
                i += 1
                continue
            if op == 1:
                out.append(c + c)
                i += 1
                continue
            if op == 2 and i + 1 < len(text) and text[i + 1].isalpha():
                out.append(text[i + 1] + c)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def casing(text: str, rng: random.Random) -> str:
    """All lower-case (most chat) or, rarely, shouting upper-case."""
    return text.upper() if rng.random() < 0.15 else text.lower()


def strip_diacritics_vi(text: str) -> str:
    """Vietnamese written without diacritics (``không`` -> ``khong``), as many people type."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def codemix(
    text: str,
    table: Mapping[str, Sequence[str]],
    rng: random.Random,
    fillers: Sequence[str] = (),
    word_boundary: bool = True,
) -> str:
    """Swap native words for English ones from ``table`` (native -> English choices).

    Every match is replaced with probability 0.7 (at least one always is); when nothing matched, an English
    filler (``pls``, ``btw``...) is appended so the result is always code-mixed. Longer keys are tried first.
    """
    keys = sorted(table, key=len, reverse=True)
    if not keys:
        return text
    body = "|".join(re.escape(k) for k in keys)
    pattern = re.compile(rf"(?<!\w)({body})(?!\w)" if word_boundary else f"({body})", re.IGNORECASE)
    hits = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal hits
        if rng.random() < 0.7:
            hits += 1
            key = next(k for k in keys if k.lower() == m.group(1).lower())
            return rng.choice(list(table[key]))
        return m.group(1)

    out = pattern.sub(swap, text)
    first = pattern.search(text)
    if hits == 0 and first:  # always mix at least one word when one is available
        key = next(k for k in keys if k.lower() == first.group(1).lower())
        out = text[: first.start()] + rng.choice(list(table[key])) + text[first.end() :]
        hits = 1
    if hits == 0 and fillers:
        sep = "" if not word_boundary else " "
        out = f"{out}{sep}{rng.choice(list(fillers))}"
    return out


# ----- the obfuscation step used by the generator ----------------------------------------------------------

WordFn = Callable[[str, random.Random], str]

WORD_TRICKS: dict[str, WordFn] = {
    "dotted": lambda w, r: dotted(w, r.choice((".", ".", "-", "_", "*"))),
    "spaced": lambda w, r: spaced(w),
    "leet": leet,
    "fullwidth": lambda w, r: fullwidth(w),
    "cyrillic": cyrillic,
    "zero_width": zero_width,
}


def obfuscate(text: str, lang: str, rng: random.Random, app_words: Sequence[str]) -> tuple[str, list[str]]:
    """Disguise the app names, digit runs and links in ``text``; return the new text and the tricks used.

    One or two tricks are applied; the result always differs from the input when there is something to hide.
    """
    tricks: list[str] = []
    words = sorted({w for w in app_words if w}, key=len, reverse=True)
    bounded = [re.escape(w) for w in words if re.search(r"[A-Za-z\u00c0-\u024f]", w)]
    run_on = [re.escape(w) for w in words if not re.search(r"[A-Za-z\u00c0-\u024f]", w)]
    alts = [r"(?<![\w.])(?:" + "|".join(bounded) + r")(?!\w)"] if bounded else []
    alts += ["(?:" + "|".join(run_on) + ")"] if run_on else []
    app_re = re.compile("(" + "|".join(alts) + ")", re.I)
    link_re = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/[\w~+./?=-]*)?", re.I)
    digit_re = re.compile(r"\+?\d[\d -]{6,}\d")

    options: list[str] = []
    if app_re.search(text):
        options.append("app")
    if digit_re.search(text):
        options.append("digits")
    if link_re.search(text):
        options.append("link")
    if not options:
        options.append("text")
    rng.shuffle(options)
    original = text
    for kind in options[: rng.choice((1, 1, 2))]:
        if kind == "app":
            name = rng.choice(list(WORD_TRICKS))
            fn = WORD_TRICKS[name]
            text = app_re.sub(lambda m, f=fn: f(m.group(1), rng), text)
            tricks.append(name)
        elif kind == "digits":
            style = rng.choice(("words", "emoji", "spaced", "fullwidth"))
            fns: dict[str, Callable[[str], str]] = {
                "words": lambda s: spell_digits(s, lang, rng),
                "emoji": lambda s: emoji_digits(s, rng),
                "spaced": spaced_digits,
                "fullwidth": fullwidth,
            }
            text = digit_re.sub(lambda m, f=fns[style]: f(m.group(0)), text, count=1)
            tricks.append(f"digits_{style}")
        elif kind == "link":
            text = link_re.sub(lambda m: dot_words(m.group(0), lang, rng), text, count=1)
            tricks.append("dot_words")
        else:
            text, name = _obfuscate_some_word(text, rng)
            tricks.append(name)
    if text == original:  # e.g. leetspeak on a Chinese app name: fall back to another word
        text, name = _obfuscate_some_word(text, rng)
        tricks.append(name)
    return text, tricks


def _obfuscate_some_word(text: str, rng: random.Random) -> tuple[str, str]:
    """Disguise one longer Latin word, or (Thai/Chinese) sprinkle zero-width characters into a short span."""
    words = [m for m in re.finditer(r"[A-Za-z]{4,}", text)]
    if words:
        m = rng.choice(words)
        name = rng.choice(list(WORD_TRICKS))
        return text[: m.start()] + WORD_TRICKS[name](m.group(0), rng) + text[m.end() :], name
    if len(text) < 2:
        return text, "none"
    start = rng.randrange(max(1, len(text) - 6))
    end = min(len(text), start + rng.randint(3, 8))
    return text[:start] + zero_width(text[start:end], rng) + text[end:], "zero_width"
