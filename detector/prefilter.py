"""Literal prefilter for regexes: run a pattern only when a string every match must contain is present.

Each pattern is parsed (Python's own regex parser) to find a set of literals such that any match contains
at least one of them, e.g. `\\b(?:join|add you) (?:our|my) group` -> {"join", "add you"} or {"group"}.
All the literals go into one Aho-Corasick automaton: one pass over the text says which patterns can match.
Patterns the parser cannot read, or with no literal of two or more characters, always run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ahocorasick

try:  # Python 3.11+
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_MIN_LEN = 2


def _seq_factors(items) -> set[str] | None:
    """Best necessary-literal set for a sequence of parsed regex items."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _MIN_LEN:
            candidates.append({"".join(run)})
        run.clear()

    for op, av in items:
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
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
        if sub:
            candidates.append(sub)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(len(x) for x in s), -len(s)))


def necessary_literals(pattern: str) -> set[str] | None:
    """Literals one of which every match of `pattern` contains; None when unknown."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError, OverflowError, RecursionError):
        return None
    try:
        found = _seq_factors(list(parsed))
    except (TypeError, ValueError, AttributeError):
        return None
    if not found or min(len(x) for x in found) < _MIN_LEN:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return {x.lower() for x in found}  # texts are lower-cased before matching
    return found


class Prefilter:
    """Which of `patterns` can match a text, decided by one Aho-Corasick pass."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.always: list[int] = []
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            lits = necessary_literals(p)
            if lits is None:
                self.always.append(i)
                continue
            for lit in lits:
                table.setdefault(lit, []).append(i)
        for lit, idx in table.items():
            self._automaton.add_word(lit, idx)
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        if self._empty:
            return self.always
        found = set(self.always)
        for _, idx in self._automaton.iter(text):
            found.update(idx)
        return sorted(found)
