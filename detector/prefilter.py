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


def _usable(lit: str) -> bool:
    """Two characters at least, or one that is rare in text (a Han/Thai letter, %, @)."""
    return len(lit) >= _MIN_LEN or (
        len(lit) == 1 and not (lit.isascii() and (lit.isalnum() or lit.isspace()))
    )


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
    return max(candidates, key=lambda s: (min(len(x) for x in s), -len(s)))  # longest sure literal


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
    if not found or not all(_usable(x) for x in found):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return {x.lower() for x in found}  # texts are lower-cased before matching
    return found


_SCRIPTS = {"han": re.compile(r"[\u3400-\u9fff]"), "thai": re.compile(r"[\u0e00-\u0e7f]")}


def _script(pattern: str) -> str | None:
    """A script every match needs, when the pattern is written in it (Han or Thai); else None."""
    for name, rx in _SCRIPTS.items():
        if rx.search(pattern) and not re.search(r"[a-z]", re.sub(r"\\[a-zA-Z]|\[[^\]]*\]", "", pattern)):
            return name
    return None


class Prefilter:
    """Which of `patterns` can match a text, decided by one Aho-Corasick pass (and, for patterns without a
    usable literal but written in Han or Thai, by the presence of that script)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.always: list[int] = []
        self._by_script: dict[str, list[int]] = {}
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            lits = necessary_literals(p)
            if lits is None:
                script = _script(p)
                if script is None:
                    self.always.append(i)
                else:
                    self._by_script.setdefault(script, []).append(i)
                continue
            for lit in lits:
                table.setdefault(lit, []).append(i)
        for lit, idx in table.items():
            self._automaton.add_word(lit, idx)
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        found = set(self.always)
        for script, idx in self._by_script.items():
            if _SCRIPTS[script].search(text):
                found.update(idx)
        if not self._empty:
            for _, idx in self._automaton.iter(text):
                found.update(idx)
        return sorted(found)
