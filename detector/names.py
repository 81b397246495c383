"""Personal names in a message, found from what stands around them (detector/lexicons/names.yaml).

No name list covers the eight languages, and sellers write names of every origin, so a name is recognised by
its context: a title or greeting before it ("kak Rina", "chị Lan", "Hi Siti"), a form field ("Nama: budi"),
a Chinese honorific after a surname ("王先生", "小张"), a Thai title joined to it ("คุณสมศรี"), or a phone
number, e-mail or address right after it ("Siti Rahma 0812..."). Names are masked in evidence; they are not a
rule cue (the model is trained on the rules' cues, and a name alone is not a violation).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import regex
import yaml

# A Latin-script name word: a capital, then letters (O'Neil, Nur-Aisyah, Tuấn).
_WORD = r"\p{Lu}[\p{Latin}\p{M}'’\-]*\p{Latin}"
_ANY_WORD = r"[\p{Latin}\p{M}][\p{Latin}\p{M}'’\-]*"
_THAI = r"[\u0E00-\u0E7F]"
_HAN = r"\p{Han}"
_RUN = regex.compile(rf"(?<![\p{{L}}\p{{M}}]){_WORD}(?:[ \t]+{_WORD})*")
_NON_SPACE = regex.compile(r"\S+")
_HAS_HAN = regex.compile(_HAN)
_IS_THAI = regex.compile(_THAI)
_IS_LATIN = regex.compile(r"\p{Latin}")
_LETTER = regex.compile(r"[\p{L}\p{M}]")
# Between a name and the phone number / e-mail / address that follows it.
_BEFORE_CONTACT = regex.compile(
    rf"(?:(?<![\p{{L}}\p{{M}}]){_WORD}(?:[ \t]+{_WORD}){{0,2}}|(?<!{_HAN}){_HAN}{{2,4}})"
    r"[ \t]*[:：,，\-–|/(]?[ \t]*$"
)


def _alternation(words: Sequence[str]) -> str:
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _tables() -> dict:
    with resources.files("detector.lexicons").joinpath("names.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    edge_l, edge_r = r"(?<![\p{L}\p{M}])", r"(?![\p{L}\p{M}])"
    surnames = "".join(sorted(set(data["zh_surnames"])))
    return {
        "not_names": {w.casefold() for w in data["not_names"]},
        "thai_not_names": tuple(data["thai_not_names"]),
        "thai_particles": tuple(sorted(data["thai_particles"], key=len, reverse=True)),
        "surnames": set(surnames),
        "zh_not_names": frozenset(data["zh_not_names"]),
        "titles": {w.casefold() for w in data["titles"]},
        # "Nama penerima: budi santoso", "ชื่อ: สมศรี", "姓名：王小明"
        "field": regex.compile(
            rf"{edge_l}(?i:{_alternation(data['fields'])})[ \t]*[:：][ \t]*"
            rf"(?P<name>{_HAN}{{2,4}}|{_THAI}{{2,20}}(?:[ \t]{_THAI}{{2,20}})?"
            rf"|{_ANY_WORD}(?:[ \t]+{_ANY_WORD}){{0,2}}){edge_r}"
        ),
        # a Thai title starts a word: at the start, after a space or other script, or after a greeting
        "thai": regex.compile(
            rf"(?:(?<!{_THAI})|(?<=(?:{_alternation(data['thai_greetings'] + data['thai_particles'])})))"
            rf"(?:{_alternation(data['thai_titles'])})(?P<name>{_THAI}{{2,24}})"
        ),
        "zh": regex.compile(
            rf"(?P<name>(?P<surname>[{surnames}]))(?=(?:{_alternation(data['zh_titles'])}))"
            rf"|(?P<name>[小阿]{_HAN})(?!{_HAN})|(?P<name>[小阿]{_HAN})(?=[{data['zh_after_name']}])"
        ),
    }


def _latin_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The name words of text[start:end]: leading words that are not names skipped ("Hi Kak Rina"), then
    words up to the first one that is not a name ("Jason Please")."""
    not_names = _tables()["not_names"]
    run: list[tuple[int, int]] = []
    for m in _NON_SPACE.finditer(text, start, end):
        if m.group(0).casefold().strip("'’-.") in not_names:
            if run:
                break
            continue
        run.append(m.span())
    return (run[0][0], run[-1][1]) if run else None


def _titled_names(text: str, titles: set[str]) -> list[tuple[int, int]]:
    """Capitalised words after a title or greeting: "Hi Siti", "kak Rina", "Dear Mr. Tan", "Thank you Siti".

    Runs of capitalised words are found first (few per message), then the title is looked for inside the run
    or in the one or two words before it: much cheaper than matching every title everywhere."""
    out = []
    for run in _RUN.finditer(text):
        at = run.start()
        words = [(at + w.start(), at + w.end()) for w in _NON_SPACE.finditer(run.group(0))]
        keys = [text[s:e].casefold() for s, e in words]
        first = 0
        for i, key in enumerate(keys):
            if key in titles or (i and f"{keys[i - 1]} {key}" in titles):
                first = i + 1
        if first == 0:
            if at == 0 or text[at - 1] not in " \t,":
                continue
            before = text[max(0, at - 40) : at].rstrip(" \t,").casefold().split()
            last = before[-1].rstrip(".") if before else ""
            pair = " ".join(before[-2:]).rstrip(".")
            if last not in titles and pair not in titles:
                continue
        if first < len(words):
            span = _latin_name(text, words[first][0], words[min(len(words), first + 3) - 1][1])
            if span:
                out.append(span)
    return out


def _thai_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The name in a Thai run after a title, minus a closing particle ("สมศรีค่ะ" is สมศรี); None when the run
    starts with a word that is not a name ("คุณลูกค้า", "พี่ส่งของให้แล้ว")."""
    t = _tables()
    name = text[start:end]
    if name.startswith(t["thai_not_names"]) or name.startswith(t["thai_particles"]):
        return None
    for particle in t["thai_particles"]:
        if name.endswith(particle) and len(name) > len(particle):
            name = name[: -len(particle)]
            break
    return (start, start + len(name)) if 2 <= len(name) <= 12 else None


def find_names(text: str, contacts: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Spans of personal names in `text` (the original message), sorted, not overlapping.

    `contacts`: spans of phone numbers, e-mails and addresses in `text`; a name right before one counts."""
    t = _tables()
    found: list[tuple[int, int]] = []
    found += _titled_names(text, t["titles"])
    fields = t["field"].finditer(text) if ":" in text or "：" in text else ()
    for m in fields:
        s, e = m.span("name")
        if _IS_THAI.match(text[s]):
            span = _thai_name(text, s, e)
        elif _HAS_HAN.match(text[s]):
            span = (s, e)
        else:
            span = _latin_name(text, s, e)
        if span:
            found.append(span)
    for m in t["thai"].finditer(text):
        span = _thai_name(text, *m.span("name"))
        if span:
            found.append(span)
    for m in t["zh"].finditer(text) if _HAS_HAN.search(text) else ():
        if m.group("surname") and text[max(0, m.start() - 1) : m.end()] in t["zh_not_names"]:
            continue  # 谢谢先生, 感謝小姐: thanks, not Mr Xie
        if m.group("name") not in t["zh_not_names"]:
            found.append(m.span("name"))
    for start, _ in contacts:
        m = _BEFORE_CONTACT.search(text, max(0, start - 60), start)
        if m is None:
            continue
        head = m.group(0).rstrip(" \t:：,，-–|/(")
        if _HAS_HAN.match(head):
            if head[0] in t["surnames"]:
                found.append((m.start(), m.start() + len(head)))
            continue
        span = _latin_name(text, m.start(), m.start() + len(head))
        if span:
            found.append(span)
    # a name once recognised is masked wherever else it is written ("for Siti: Siti 0812...")
    for name in {text[s:e] for s, e in found if e - s >= 2}:
        latin = _IS_LATIN.match(name) is not None  # Latin names: whole words only
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            if not latin or not (
                (at and _LETTER.match(text[at - 1])) or (end < len(text) and _LETTER.match(text[end]))
            ):
                found.append((at, end))
            at = text.find(name, end)
    out: list[tuple[int, int]] = []
    for s, e in sorted(found, key=lambda se: (se[0], -se[1])):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


__all__ = ["find_names"]
