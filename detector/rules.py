"""The rule engine: lexicon phrases and patterns over the normalised text, cue combinations, negation.

Phrases of every language go into one Aho-Corasick automaton (one pass, works on run-on Thai and Chinese);
patterns are regexes, run only when a literal each match needs is present (detector/prefilter.py). A rule
fires on its own phrase/pattern, optionally only when its `all_of` cues stand within `window` characters, or
on the co-occurrence of its cues alone. A negation or refusal cue in the same clause turns a hit into
`review` or clears it; one after the hit may also reach a clause or two further, and then only weakens it
(`negation_after_breaks` in common.yaml).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import ahocorasick
import regex

from detector.lexicon import CueEntry, Lexicon, NegationEntry, RuleEntry, compile_pattern
from detector.normalize import normalize_text
from detector.prefilter import Prefilter, anchored_matches


@dataclass(frozen=True, slots=True)
class Span:
    name: str  # cue name, rule id or negation id
    start: int
    end: int


@dataclass(slots=True)
class RuleHit:
    rule: RuleEntry
    start: int  # normalised-text offsets
    end: int
    parts: list[Span] = field(default_factory=list)  # cue spans that made a combination fire
    negated_by: NegationEntry | None = None


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # ASCII alnum


def _span_order(span: Span) -> tuple[int, int, str]:
    return span.start, span.end, span.name


def _is_word_char(c: str) -> bool:
    return c in _WORD_CHARS


class _Target:
    __slots__ = ("kind", "entry", "prefix", "left", "right", "length")

    def __init__(self, kind: str, entry, phrase: str, prefix: bool) -> None:
        self.kind = kind  # "cue" | "rule" | "neg"
        self.entry = entry
        self.prefix = prefix
        self.left = _is_word_char(phrase[0])
        self.right = _is_word_char(phrase[-1]) and not prefix
        self.length = len(phrase)

    def unpacked(self) -> tuple:
        """What `_scan` reads, as one tuple: (length, left, right, prefix, kind, entry)."""
        return self.length, self.left, self.right, self.prefix, self.kind, self.entry


class RuleEngine:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._automaton = ahocorasick.Automaton()
        self._patterns: list[tuple[str, object, regex.Pattern]] = []
        table: dict[str, list[_Target]] = {}
        entries: list[tuple[str, CueEntry | RuleEntry | NegationEntry]] = (
            [("cue", c) for c in lexicon.cues]
            + [("rule", r) for r in lexicon.rules]
            + [("neg", n) for n in lexicon.negations]
        )
        for kind, entry in entries:
            for raw in entry.phrases:
                prefix = raw.endswith("*")
                phrase = normalize_text(raw.rstrip("*")).strip()
                if phrase:
                    table.setdefault(phrase, []).append(_Target(kind, entry, phrase, prefix))
            for pat in entry.patterns:
                self._patterns.append((kind, entry, compile_pattern(pat)))
        self._prefilter = Prefilter([rx.pattern for _, _, rx in self._patterns])
        for phrase, targets in table.items():
            self._automaton.add_word(phrase, tuple(t.unpacked() for t in targets))
        if table:
            self._automaton.make_automaton()
        self._has_phrases = bool(table)
        self._combo_rules = [
            (r, frozenset(r.all_of)) for r in lexicon.rules if r.all_of and not r.phrases and not r.patterns
        ]
        # each combination rule under its first cue: a message only visits the rules one of its cues opens
        by_cue: dict[str, list[int]] = {}
        for k, (r, _) in enumerate(self._combo_rules):
            by_cue.setdefault(r.all_of[0], []).append(k)
        self._combos_by_cue = {cue: tuple(ks) for cue, ks in by_cue.items()}
        self._after_breaks = lexicon.negation_after_breaks
        self._weakened_negations: dict[str, NegationEntry] = {}
        breaks = [b for b in map(normalize_text, lexicon.clause_breaks) if b]
        words = [regex.escape(b) for b in breaks if _is_word_char(b[0])]
        puncts = [regex.escape(b) for b in breaks if not _is_word_char(b[0])]
        alts = []
        if words:
            alts.append(rf"(?<![a-z0-9])(?:{'|'.join(sorted(words, key=len, reverse=True))})(?![a-z0-9])")
        if puncts:
            alts.append("|".join(puncts))
        alts.append(r"\n|\.(?:\s|$)")
        self._clause_break = regex.compile("|".join(alts))

    # -- matching -----------------------------------------------------------------------------------------
    def _scan(
        self, text: str
    ) -> tuple[dict[str, list[Span]], list[RuleHit], list[tuple[NegationEntry, Span]]]:
        cues: dict[str, list[Span]] = {}
        direct: list[tuple[RuleEntry, Span]] = []
        negs: list[tuple[NegationEntry, Span]] = []
        n = len(text)
        word_chars = _WORD_CHARS
        if self._has_phrases:
            for end_idx, targets in self._automaton.iter(text):
                end = end_idx + 1
                for length, left, right, prefix, kind, entry in targets:
                    start = end - length
                    if left and start > 0 and text[start - 1] in word_chars:
                        continue
                    if right and end < n and text[end] in word_chars:
                        continue
                    span_end = end
                    if prefix:
                        while span_end < n and text[span_end] in word_chars:
                            span_end += 1
                    self._collect(kind, entry, Span(entry.id, start, span_end), cues, direct, negs)
        whole, anchored = self._prefilter.plan(text)
        patterns = self._patterns
        for i in whole:
            kind, entry, rx = patterns[i]
            for m in rx.finditer(text):
                s, e = m.span()
                if e > s:
                    self._collect(kind, entry, Span(entry.id, s, e), cues, direct, negs)
        for i, starts in anchored.items():  # every match starts at one of its literals: try those only
            kind, entry, rx = patterns[i]
            for m in anchored_matches(rx, text, starts):
                s, e = m.span()
                self._collect(kind, entry, Span(entry.id, s, e), cues, direct, negs)
        # in text order, whatever order the phrases and patterns ran in: a combination's anchor and the
        # nearest cue are the first in the text (the prefilter decides which patterns run, not the evidence)
        for spans in cues.values():
            if len(spans) > 1:
                spans.sort(key=_span_order)
        if len(negs) > 1:
            negs.sort(key=lambda ns: (ns[1].start, ns[1].end, ns[0].id))
        hits = [RuleHit(rule, s.start, s.end) for rule, s in direct]
        return cues, hits, negs

    @staticmethod
    def _collect(kind, entry, span: Span, cues, direct, negs) -> None:
        if kind == "cue":
            cues.setdefault(entry.cue, []).append(span)
        elif kind == "rule":
            direct.append((entry, span))
        else:
            negs.append((entry, span))

    # -- combination --------------------------------------------------------------------------------------
    @staticmethod
    def _near(spans: list[Span], start: int, end: int, window: int) -> Span | None:
        best = None
        best_d = window + 1
        for s in spans:
            d = (
                0
                if (s.start < end and s.end > start)
                else (start - s.end if s.end <= start else s.start - end)
            )
            if d <= window and d < best_d:
                best, best_d = s, d
        return best

    def _gather(
        self, names: list[str], start: int, end: int, window: int, cues: dict[str, list[Span]]
    ) -> list[Span] | None:
        """The nearest span of each named cue within `window` of [start, end); None if one is missing."""
        parts = []
        for cue in names:
            found = self._near(cues.get(cue, []), start, end, window)
            if found is None:
                return None
            parts.append(Span(cue, found.start, found.end))
        return parts

    def _suppressed(self, rule: RuleEntry, start: int, end: int, cues: dict[str, list[Span]]) -> bool:
        return any(self._near(cues.get(c, []), start, end, rule.window) for c in rule.none_of)

    def _constraints_ok(
        self, rule: RuleEntry, start: int, end: int, cues: dict[str, list[Span]], parts: list[Span]
    ) -> bool:
        found = self._gather(rule.all_of, start, end, rule.window, cues)
        if found is None:
            return False
        parts.extend(found)
        return not self._suppressed(rule, start, end, cues)

    def _combos(self, cues: dict[str, list[Span]]) -> list[RuleHit]:
        hits: list[RuleHit] = []
        present = cues.keys()
        by_cue = self._combos_by_cue
        opened = sorted({k for cue in present if cue in by_cue for k in by_cue[cue]})  # in rule order
        for k in opened:
            rule, required = self._combo_rules[k]
            if not required <= present:
                continue
            anchor_cue = min(rule.all_of, key=lambda c: len(cues[c]))
            others = [c for c in rule.all_of if c != anchor_cue]
            for anchor in cues[anchor_cue]:
                found = self._gather(others, anchor.start, anchor.end, rule.window, cues)
                if found is None:
                    continue
                parts = [Span(anchor_cue, anchor.start, anchor.end), *found]
                start = min(p.start for p in parts)
                end = max(p.end for p in parts)
                if self._suppressed(rule, start, end, cues):
                    continue
                hits.append(RuleHit(rule, start, end, parts))
                break  # one hit per combination rule is enough evidence
        return hits

    def _weakened(self, neg: NegationEntry) -> NegationEntry:
        """A `clear` negation acting as `review` (reached across a clause break)."""
        weak = self._weakened_negations.get(neg.id)
        if weak is None:
            weak = self._weakened_negations[neg.id] = neg.model_copy(update={"effect": "review"})
        return weak

    def _negation(
        self, text: str, hit: RuleHit, negs: list[tuple[NegationEntry, Span]], breaks: list[int]
    ) -> NegationEntry | None:
        found: NegationEntry | None = None
        for neg, span in negs:
            if span.end <= hit.start:
                if hit.start - span.end > neg.scope:
                    continue
                gap_start, gap_end = span.end, hit.start
            elif span.start >= hit.end and neg.after:
                if span.start - hit.end > neg.after:
                    continue
                gap_start, gap_end = hit.end, span.start
            elif span.start > hit.start and span.end <= hit.end:
                # inside a combination's stretch ("新品，目前没有折扣"): it negates the part that follows it
                after = [p.start for p in hit.parts if p.start >= span.end]
                if not after or min(after) - span.end > neg.scope:
                    continue
                gap_start, gap_end = span.end, min(after)
            else:
                continue
            # a clause break between the cue and the hit ends the negation's reach, except for a cue after the
            # hit, which may cross `negation_after_breaks` of them and then only weakens the hit
            i = bisect_left(breaks, gap_start)
            crossing = self._after_breaks if span.start >= hit.end else 0
            if i + crossing < len(breaks) and breaks[i + crossing] < gap_end:
                continue
            if neg.effect == "clear" and i < len(breaks) and breaks[i] < gap_end:
                neg = self._weakened(neg)
            if found is None or neg.effect == "clear":
                found = neg
        return found

    def match(
        self, text: str, builtin_cues: dict[str, list[Span]] | None = None
    ) -> tuple[list[RuleHit], set[str]]:
        """Every rule hit on the normalised `text` and the names of the cues and negations seen.

        `builtin_cues` come from the PII recognisers."""
        cues, direct, negs = self._scan(text)
        for name, spans in (builtin_cues or {}).items():
            cues.setdefault(name, []).extend(spans)
        hits: list[RuleHit] = []
        for hit in direct:
            parts: list[Span] = []
            if self._constraints_ok(hit.rule, hit.start, hit.end, cues, parts):
                hit.parts = parts
                hits.append(hit)
        hits.extend(self._combos(cues))
        ignores = [span for neg, span in negs if neg.effect == "ignore"]
        if ignores:
            negs = [
                (neg, span)
                for neg, span in negs
                if neg.effect != "ignore"
                and not any(span.start < ig.end and ig.start < span.end for ig in ignores)
            ]
        if negs and hits:
            breaks = sorted(m.start() for m in self._clause_break.finditer(text))
            kept = []
            for hit in hits:
                neg = self._negation(text, hit, negs, breaks)
                if neg is not None and neg.effect == "clear":
                    continue
                hit.negated_by = neg
                kept.append(hit)
            hits = kept
        return hits, set(cues) | {"neg:" + neg.effect for neg, _ in negs if neg.effect != "ignore"}


def dedupe(hits: list[RuleHit]) -> list[RuleHit]:
    """Keep one hit per (rule, span) and drop hits nested inside a longer hit of the same rule."""
    hits = sorted(hits, key=lambda h: (h.rule.id, h.start, -(h.end - h.start)))
    out: list[RuleHit] = []
    for h in hits:
        if out and out[-1].rule.id == h.rule.id and out[-1].start <= h.start and h.end <= out[-1].end:
            continue
        out.append(h)
    return out


__all__ = ["RuleEngine", "RuleHit", "Span", "dedupe"]
