"""The literal prefilter may skip a regex only when the regex cannot match."""

import json
from pathlib import Path

import pytest
import regex

from detector import Detector
from detector.normalize import normalize_text
from detector.prefilter import Prefilter, anchored_matches, leading_literals, necessary_literals

CORPUS = Path(__file__).resolve().parents[1] / "training" / "data" / "corpus.jsonl"


@pytest.mark.parametrize(
    "pattern,expected",
    [
        (r"chat\.whatsapp\.com/[a-z0-9]+", {"chat.whatsapp.com/"}),
        (r"\b(?:join|add you) (?:our|my) group", {" group"}),
        (r"(?:https?://|www\.)\S+", {"http", "www."}),
        (r"加\s?(?:我)?微信", {"微信"}),
        (r"\d{1,2} ?%", {"%"}),
        (r"[a-z]+\d+", None),
        (r"(?:foo)?bar?", {"ba"}),
        (r"(?:foo)?b", None),
        # the parser factors the common "j" out: "j(?:l|ln|alan)"; the literals join it again
        (r"\b(?:jl|jln|jalan)\.?\s+\w+", {"jl", "jln", "jalan"}),
        (r"ab(?:cd|ef\d)x", {"abcd", "abef"}),
        (r"a(?:b|\d)", None),
    ],
)
def test_necessary_literals(pattern: str, expected) -> None:
    assert necessary_literals(pattern) == expected


@pytest.fixture(scope="module")
def lexicon_prefilter(rules_detector: Detector) -> tuple[list[regex.Pattern], Prefilter]:
    """The shipped lexicons' regexes and a prefilter built over them."""
    patterns = [rx for _, _, rx in rules_detector.engine._patterns]
    return patterns, Prefilter([p.pattern for p in patterns])


def test_prefilter_never_skips_a_matching_lexicon_pattern(lexicon_prefilter) -> None:
    patterns, pf = lexicon_prefilter
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")][::4]
    checked = 0
    for raw in texts:
        text = normalize_text(raw)
        allowed = set(pf.candidates(text))
        for i, rx in enumerate(patterns):
            if rx.search(text):
                checked += 1
                assert i in allowed, (rx.pattern, text)
    assert checked > 1000


@pytest.mark.parametrize(
    "pattern,expected",
    [
        # extended through what follows, up to 8 characters
        (r"\b(?:join|add you) (?:our|my) group", ({"join our", "join my ", "add you "}, True)),
        (r"(?<![a-z])(?:fps|payme)(?![a-z])", ({"fps", "payme"}, False)),
        (r"abc|\bde", ({"abc", "de"}, False)),
        (r"\w+ (?=sample)", None),
        (r"(?:\+ ?)?\d{7}", None),
        # optional characters and small classes expand; a literal extending another is dropped
        (r"\b(?:na-?add|in-?add)\b", ({"naadd", "na-add", "inadd", "in-add"}, True)),
        (r"\b(?:si|sila|ni) (?!rider)", ({"si ", "sila ", "ni "}, True)),
        (r"(?:foo )?ba[rz]", ({"foo bar", "foo baz", "bar", "baz"}, False)),
        (r"(?:\bfoo )?bar", ({"foo bar", "bar"}, False)),  # the boundary is not before every start
        (r"\bok(?:ay)+ la", ({"okay"}, True)),  # past a repetition: unknown, stop
        (r"(?:ab|abc)d", ({"abd", "abcd"}, False)),
        (r"(?:a|ab)", None),  # "a" alone is too short
        (r"[ab]?" * 12 + "x", None),  # 3**12 short strings: given up on, not enumerated
    ],
)
def test_leading_literals(pattern: str, expected) -> None:
    assert leading_literals(pattern) == expected


def test_anchored_matching_finds_what_finditer_finds(lexicon_prefilter) -> None:
    """Patterns tried only where their leading literal stands give finditer's matches, span for span."""
    patterns, pf = lexicon_prefilter
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")][1::5]
    compared = 0
    for raw in texts:
        text = normalize_text(raw)
        whole, anchored = pf.plan(text)
        for i, rx in enumerate(patterns):
            expected = [(m.start(), m.end()) for m in rx.finditer(text) if m.end() > m.start()]
            if i in anchored:
                got = [(m.start(), m.end()) for m in anchored_matches(rx, text, anchored[i])]
                compared += bool(expected)
                assert got == expected, (rx.pattern, text)
            elif expected:
                assert i in whole, (rx.pattern, text)
    assert compared > 1000


def test_prefilter_skips_most_patterns_on_plain_text() -> None:
    pats = [
        r"chat\.whatsapp\.com/\S+",
        r"line\.me/\S+",
        r"\bjoin our group\b",
        regex.escape("t.me/+") + r"\S+",
    ]
    assert Prefilter(pats).candidates("your parcel is on the way, thank you") == []


def test_rule_hits_do_not_depend_on_the_prefilters_plan(rules_detector: Detector, monkeypatch) -> None:
    """Every pattern scanned over the whole text, in lexicon order, gives the same hits, spans and evidence
    parts as the prefilter's plan: the plan may only skip patterns that cannot match."""
    engine = rules_detector.engine
    texts = [normalize_text(json.loads(line)["text"]) for line in CORPUS.open(encoding="utf-8")][2::7]

    def hits(text: str) -> list[tuple]:
        found, cues = engine.match(text)
        return sorted(
            (h.rule.id, h.start, h.end, [(p.name, p.start, p.end) for p in h.parts], repr(h.negated_by))
            for h in found
        ) + sorted(cues)

    planned = [hits(t) for t in texts]
    everything = (list(range(len(engine._patterns))), {})
    monkeypatch.setattr(engine._prefilter, "plan", lambda text: everything)
    assert [hits(t) for t in texts] == planned
    assert sum(bool(h) for h in planned) > 1000
