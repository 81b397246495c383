"""Literal prefilter for regexes: run a pattern only when a string every match must contain is present.

Each pattern is parsed (Python's own regex parser) to find a set of literals such that any match contains
at least one of them, e.g. `\\b(?:join|add you) (?:our|my) group` -> {"join", "add you"} or {"group"}.
All the literals go into one Aho-Corasick automaton: one pass over the text says which patterns can match.
Patterns the parser cannot read, or with no literal of two or more characters, always run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import ahocorasick

try:  # Python 3.11+
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_MIN_LEN = 2


def _usable(lit: str) -> bool:
    """Two characters at least, or one that is rare in text (a Han/Thai letter, %, @)."""
    return len(lit) >= _MIN_LEN or (
        len(lit) == 1 and not (lit.isascii() and (lit.isalnum() or lit.isspace()))
    )


def _literal_prefix(items) -> str:
    """The literal characters a parsed sequence starts with ("" when it starts with anything else)."""
    out = []
    for op, av in items:
        if op is not sre_c.LITERAL:
            break
        out.append(chr(av))
    return "".join(out)


def _seq_factors(items) -> set[str] | None:
    """Best necessary-literal set for a sequence of parsed regex items."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run and _usable("".join(run)):
            candidates.append({"".join(run)})
        run.clear()

    for op, av in items:
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
        if op is sre_c.BRANCH and run:
            # the run goes on into each alternative (Python's parser makes "jl|jln|jalan" "j(?:l|ln|alan)")
            joined = {"".join(run) + _literal_prefix(alt) for alt in av[1]}
            if all(_usable(x) for x in joined):
                candidates.append(joined)
        flush()
        sub: set[str] | None = None
        if op is sre_c.SUBPATTERN:
            sub = _seq_factors(av[-1])
        elif op is sre_c.BRANCH:
            alts = [_seq_factors(alt) for alt in av[1]]
            sub = None if any(a is None for a in alts) else set().union(*alts)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, body = av
            sub = _seq_factors(body) if lo >= 1 else None
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            sub = _seq_factors(av)
        elif op is sre_c.ASSERT:  # a positive lookaround: its content must be in the text too
            sub = _seq_factors(av[1])
        if sub:
            candidates.append(sub)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(len(x) for x in s), -len(s)))  # longest sure literal


def _parse(pattern: str):
    """Python's own parse of `pattern`, or None when it cannot read it (then the pattern always runs)."""
    try:
        return sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError, OverflowError, RecursionError):
        return None


def _as_text_literals(found: set[str] | None, parsed) -> set[str] | None:
    """Usable literals as they appear in the (lower-cased) text; None when one is not usable."""
    if not found or not all(_usable(x) for x in found):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return {x.lower() for x in found}  # texts are lower-cased before matching
    return found


def _necessary(parsed) -> set[str] | None:
    try:
        return _as_text_literals(_seq_factors(list(parsed)), parsed)
    except (TypeError, ValueError, AttributeError):
        return None


def necessary_literals(pattern: str) -> set[str] | None:
    """Literals one of which every match of `pattern` contains; None when unknown."""
    parsed = _parse(pattern)
    return None if parsed is None else _necessary(parsed)


_SCRIPTS = {
    "han": re.compile(r"[\u3400-\u9fff]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
    "digit": re.compile(r"\d"),
}


def _is_digit_set(op, av) -> bool:
    if op is sre_c.LITERAL:
        return chr(av).isdigit()
    if op is sre_c.IN:
        members = [(o, a) for o, a in av if o is not sre_c.NEGATE]
        if len(members) != len(av):
            return False
        return all(
            (o is sre_c.CATEGORY and a is sre_c.CATEGORY_DIGIT)
            or (o is sre_c.RANGE and all(chr(x).isdigit() for x in a))
            or (o is sre_c.LITERAL and chr(a).isdigit())
            for o, a in members
        )
    if op is sre_c.CATEGORY:
        return av is sre_c.CATEGORY_DIGIT
    return False


def _needs_digit(items) -> bool:
    """True when every match of the parsed sequence contains a digit (phone and id patterns)."""
    for op, av in items:
        if _is_digit_set(op, av):
            return True
        if op is sre_c.SUBPATTERN and _needs_digit(av[-1]):
            return True
        if op is sre_c.BRANCH and all(_needs_digit(alt) for alt in av[1]):
            return True
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            if av[0] >= 1 and _needs_digit(av[2]):
                return True
        if op is sre_c.ASSERT and _needs_digit(av[1]):
            return True
    return False


def _script(pattern: str, parsed) -> str | None:
    """A script every match needs: Han or Thai when the pattern is written in it, digits when every match
    has one; else None."""
    for name in ("han", "thai"):
        rx = _SCRIPTS[name]
        if rx.search(pattern) and not re.search(r"[a-z]", re.sub(r"\\[a-zA-Z]|\[[^\]]*\]", "", pattern)):
            return name
    if parsed is not None and _needs_digit(list(parsed)):
        return "digit"
    return None


def _word_char(ch: str) -> bool:
    """Surely a regex word character (then no word boundary sits just after it)."""
    return ch.isalnum() or ch == "_"


# The leading literals are extended through what follows them (alternations, optional characters) while
# there are at most this many, and no further than this many characters: "\\b(?:ni|si) " starts with
# "ni " or "si ", far rarer in text than "ni" or "si", so the pattern is tried at fewer places.
_MAX_STARTS = 48
_LONG_ENOUGH = 8
_HARD_CAP = 1024  # even while the strings are still too short to use: optional classes multiply them

# (string, complete, boundary): a string every match of a parsed piece starts with; complete when it is the
# whole of what the piece matched (what follows the piece may be appended); boundary when a word boundary
# (\\b) stands before its first character.
_Start = tuple[str, bool, bool]


def _item_starts(op, av) -> list[_Start] | None:
    """The starts of one parsed item; None when unknown (a class of characters, a backreference...)."""
    if op is sre_c.LITERAL:
        return [(chr(av), True, False)]
    if op is sre_c.AT:
        return [("", True, av is sre_c.AT_BOUNDARY)]
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [("", True, False)]  # lookarounds are zero-width: what follows still has to match
    if op is sre_c.SUBPATTERN:
        return _seq_starts(av[-1])
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _seq_starts(av)
    if op is sre_c.BRANCH:
        alts = [_seq_starts(alt) for alt in av[1]]
        return None if any(a is None for a in alts) else [x for a in alts for x in a]
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, body = av
        starts = _seq_starts(body)
        if starts is None:
            return None
        if not (lo == hi == 1 or (lo == 0 and hi == 1)):
            starts = [(t, False, b) for t, _, b in starts]  # after one repetition, the rest is unknown
        return ([("", True, False)] if lo == 0 else []) + starts
    if op is sre_c.IN and 0 < len(av) <= 8 and all(o is sre_c.LITERAL for o, _ in av):
        return [(chr(a), True, False) for _, a in av]
    return None


def _seq_starts(items) -> list[_Start] | None:
    """The starts of a parsed sequence: each item's starts appended to the open strings, until an item is
    unknown, the strings are long enough or there would be too many of them."""
    out: list[_Start] = [("", True, False)]
    for op, av in items:
        open_ = [s for s, c, _ in out if c]
        if not open_:
            break
        piece = _item_starts(op, av)
        grown = len(out) - len(open_) + len(open_) * len(piece or ())
        if piece is None or grown > _HARD_CAP or (grown > _MAX_STARTS and all(_usable(s) for s in open_)):
            return [(s, False, b) for s, _, b in out]
        grown_out: list[_Start] = []
        for s, c, b in out:
            if not c:
                grown_out.append((s, c, b))  # already long enough, or ended: kept as it is
                continue
            for t, tc, tb in piece:
                grown_out.append((s + t, tc and len(s + t) < _LONG_ENOUGH, b if s else (b or tb)))
        out = grown_out
    return out


def _leading(items) -> tuple[set[str], bool] | None:
    """Literals one of which every match STARTS with, each as long as the pattern makes sure (up to
    _LONG_ENOUGH characters), and whether a word boundary (\\b) stands before them; None when unknown."""
    starts = _seq_starts(items)
    if not starts or not all(_usable(s) for s, _, _ in starts):
        return None
    found = {s for s, _, _ in starts}
    # a literal that extends another adds nothing: the shorter one already marks the same start
    kept = {s for s in found if not any(o != s and s.startswith(o) for o in found)}
    return kept, all(b for _, _, b in starts)


def _leading_of(parsed) -> tuple[set[str], bool] | None:
    try:
        found = _leading(list(parsed))
    except (TypeError, ValueError, AttributeError, RecursionError):
        return None
    if found is None:
        return None
    literals = _as_text_literals(found[0], parsed)
    return None if literals is None else (literals, found[1])


def leading_literals(pattern: str) -> tuple[set[str], bool] | None:
    """Literals one of which every match of `pattern` begins with, and whether the pattern wants a word
    boundary before them: the pattern need only be tried where the prefilter's automaton found one
    (`rx.match(text, pos)`), not scanned over the whole text."""
    parsed = _parse(pattern)
    return None if parsed is None else _leading_of(parsed)


def anchored_matches(rx, text: str, starts: Sequence[int]) -> Iterator:
    """`rx`'s non-empty matches tried at `starts` (sorted) only: leftmost first and without overlaps, which
    is what `rx.finditer(text)` gives when every match begins at one of `starts`."""
    last_end = -1
    for pos in starts:
        if pos < last_end:
            continue
        m = rx.match(text, pos)
        if m is not None and m.end() > m.start():
            last_end = m.end()
            yield m


class _Literal:
    """What the prefilter's automaton knows of one literal, laid out for `Prefilter.plan`."""

    __slots__ = ("length", "scan", "gate", "word", "any", "both", "any_open", "both_open", "gated")

    def __init__(
        self,
        gated: set[int],
        length: int,
        scan: tuple[int, ...],
        gate: tuple[int, ...],
        at_any: tuple[int, ...],
        at_word: tuple[int, ...],
    ) -> None:
        self.length = length
        self.scan = scan  # patterns to scan over the whole text
        self.gate = gate  # anchored patterns this literal lets through
        self.word = bool(at_word)
        self.any = at_any  # patterns starting here (at_word: only after a word boundary)
        self.both = at_any + at_word
        # the same without the gated patterns, for texts where none of their gates is present
        self.any_open = tuple(i for i in at_any if i not in gated)
        self.both_open = tuple(i for i in self.both if i not in gated)
        self.gated = frozenset(i for i in self.both if i in gated)


class Prefilter:
    """Which of `patterns` can match a text, decided by one Aho-Corasick pass (and, for patterns without a
    usable literal, by the presence of the script they are written in, Han or Thai, or of a digit).

    `plan` also says where: a pattern every match of which starts with a known literal gets the literal's
    positions, so it is tried there only."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.always: list[int] = []
        self._by_script: dict[str, list[int]] = {}
        self._automaton = ahocorasick.Automaton()
        # literal -> [(pattern, how)]: how 0 = scan the whole text, 1 = a start, 2 = a start after a word
        # boundary, 3 = the gate of an anchored pattern (a rarer literal it needs somewhere: "na-?add ...
        # (?:list|database)" starts with a common "na" but needs "list" or "database")
        table: dict[str, list[tuple[int, int]]] = {}
        self._gated: set[int] = set()
        for i, p in enumerate(patterns):
            parsed = _parse(p)  # once: the three analyses below read the same parse
            lead = None if parsed is None else _leading_of(parsed)
            need = None if parsed is None else _necessary(parsed)
            if lead is None and need is None:
                script = _script(p, parsed)
                if script is None:
                    self.always.append(i)
                else:
                    self._by_script.setdefault(script, []).append(i)
                continue
            if lead is None:
                for lit in need or ():
                    table.setdefault(lit, []).append((i, 0))
                continue
            for lit in lead[0]:
                table.setdefault(lit, []).append((i, 2 if lead[1] and _word_char(lit[0]) else 1))
            if need is not None and need != lead[0]:
                self._gated.add(i)
                for lit in need:
                    table.setdefault(lit, []).append((i, 3))
        for lit, idx in table.items():
            scan, at_any, at_word, gate = (tuple(i for i, h in idx if h == how) for how in range(4))
            self._automaton.add_word(lit, _Literal(self._gated, len(lit), scan, gate, at_any, at_word))
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()

    def plan(self, text: str) -> tuple[list[int], dict[int, list[int]]]:
        """(patterns to scan over the whole text, {pattern: start positions to try}), both sorted."""
        whole = set(self.always)
        for script, idx in self._by_script.items():
            if _SCRIPTS[script].search(text):
                whole.update(idx)
        starts: dict[int, list[int]] = {}
        if self._empty:
            return sorted(whole), starts
        found = list(self._automaton.iter(text))
        # first the gates, so that a gated pattern's starts are only collected when its gate is present
        gates: set[int] = set()
        for _, lit in found:
            if lit.scan:
                whole.update(lit.scan)
            if lit.gate:
                gates.update(lit.gate)
        gated = self._gated
        for end, lit in found:
            start = end - lit.length + 1
            # "\bin" not in "shipping": the word-boundary starts count only after a non-word character
            at_word = lit.word and not (start > 0 and _word_char(text[start - 1]))
            if lit.gated and not gates.isdisjoint(lit.gated):
                ids = [i for i in (lit.both if at_word else lit.any) if i in gates or i not in gated]
            else:
                ids = lit.both_open if at_word else lit.any_open
            # keys in first-seen order: the order the patterns run in decides which of two equal spans
            # comes first. (No anchored pattern is ever in `whole`: only literal-less ones scan it all.)
            for i in ids:
                positions = starts.get(i)
                if positions is None:
                    starts[i] = [start]
                else:
                    positions.append(start)
        for positions in starts.values():
            if len(positions) > 1:
                positions.sort()
        return sorted(whole), starts

    def candidates(self, text: str) -> list[int]:
        """Every pattern that can match `text`."""
        whole, starts = self.plan(text)
        return sorted({*whole, *starts})
