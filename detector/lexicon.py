"""Rule files as data: load every `detector/lexicons/*.yaml` (and any extra directory), validate them.

A bad regex, an unknown label or a duplicate id fails at load with the file and the entry named, never at
match time. The format is documented in docs/lexicons.md.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import ClassVar, Literal

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detector.labels import LABELS

# Cues produced by code (detector/pii.py) rather than by lexicon entries.
BUILTIN_CUES = frozenset({"phone", "email", "foreign_pii", "multi_pii", "national_id", "address"})
NON_RULE_FILES = frozenset({"normalize.yaml", "pii.yaml", "langid.yaml", "names.yaml"})


class LexiconError(ValueError):
    """A lexicon file that cannot be loaded; the message names the file and the entry."""


@lru_cache(maxsize=8192)
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """A lexicon pattern compiled as the rule engine runs it: in NFKC form, since messages are NFKC-normalised
    (Thai SARA AM splits in two). Remembered, so validating a lexicon and building its rule engine compile
    each pattern once (compiling the ~780 patterns is most of the time the rules take to load)."""
    return regex.compile(unicodedata.normalize("NFKC", pattern))


def _check_patterns(patterns: list[str]) -> list[str]:
    for p in patterns:
        try:
            compile_pattern(p)
        except regex.error as exc:
            raise ValueError(f"bad regex {p!r}: {exc}") from exc
    return patterns


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=3)
    description: str = Field(min_length=3)
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    enabled: bool = True

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, v: list[str]) -> list[str]:
        return _check_patterns(v)

    @field_validator("phrases")
    @classmethod
    def _no_empty_phrases(cls, v: list[str]) -> list[str]:
        if any(not str(p).strip(" *") for p in v):
            raise ValueError("empty phrase")
        return [str(p) for p in v]

    _needs: ClassVar[str] = "an entry needs phrases or patterns"

    @model_validator(mode="after")
    def _has_matchers(self) -> _Entry:
        if not (self.phrases or self.patterns or getattr(self, "all_of", None)):
            raise ValueError(self._needs)
        return self


class CueEntry(_Entry):
    _needs: ClassVar[str] = "a cue needs phrases or patterns"
    cue: str = Field(min_length=2)


class RuleEntry(_Entry):
    _needs: ClassVar[str] = "a rule needs phrases, patterns or all_of cues"
    label: Literal[LABELS]  # type: ignore[valid-type]
    weight: float = Field(ge=0.0, le=1.0)
    all_of: list[str] = Field(default_factory=list)
    none_of: list[str] = Field(default_factory=list)
    window: int = Field(80, ge=1, le=2000)
    model_veto: bool = Field(
        True, description="false: the model cannot clear this hit (a grey case to review)"
    )


class NegationEntry(_Entry):
    """A negation/refusal cue. `effect`: review (the hit is weakened), clear (dropped), or ignore (a phrase
    that only looks like a negation, e.g. "don't forget": negation cues it overlaps are void)."""

    _needs: ClassVar[str] = "a negation needs phrases or patterns"
    effect: Literal["review", "clear", "ignore"]
    scope: int = Field(50, ge=0, le=500, description="chars before the hit the cue may stand")
    after: int = Field(0, ge=0, le=200, description="chars after the hit (post-verb negation: Thai ไม่ได้)")


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str
    detect_words: list[str] = Field(default_factory=list)
    clause_breaks: list[str] = Field(default_factory=list, description="words that end a negation's scope")
    negation_after_breaks: int | None = Field(
        None, ge=0, le=5, description="clause breaks a negation after its hit may cross (weakening only)"
    )
    cues: list[CueEntry] = Field(default_factory=list)
    rules: list[RuleEntry] = Field(default_factory=list)
    negations: list[NegationEntry] = Field(default_factory=list)


class Lexicon(BaseModel):
    """All loaded files, merged; ids are unique across files."""

    files: dict[str, LexiconFile]

    @property
    def cues(self) -> list[CueEntry]:
        return [c for f in self.files.values() for c in f.cues if c.enabled]

    @property
    def rules(self) -> list[RuleEntry]:
        return [r for f in self.files.values() for r in f.rules if r.enabled]

    @property
    def negations(self) -> list[NegationEntry]:
        return [n for f in self.files.values() for n in f.negations if n.enabled]

    @property
    def clause_breaks(self) -> list[str]:
        return [w for f in self.files.values() for w in f.clause_breaks]

    @property
    def negation_after_breaks(self) -> int:
        return max((f.negation_after_breaks or 0 for f in self.files.values()), default=0)

    def detect_words(self) -> dict[str, list[str]]:
        return {f.language: f.detect_words for f in self.files.values() if f.detect_words}


def _entry_id(data: object, loc: tuple) -> str:
    """Best effort: the id of the entry a pydantic error location points into."""
    try:
        section, index = loc[0], loc[1]
        return str(data[section][index].get("id", f"{section}[{index}]"))  # type: ignore[index]
    except (IndexError, KeyError, TypeError, AttributeError):
        return "/".join(str(x) for x in loc)


def load_file(path: Path) -> LexiconFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{path.name}: expected a mapping at the top level")
    try:
        return LexiconFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _entry_id(data, tuple(err["loc"]))
        raise LexiconError(
            f"{path.name}: entry {where}: {err['msg']} (at {'.'.join(map(str, err['loc']))})"
        ) from exc


def _package_files() -> list[Path]:
    root = resources.files("detector.lexicons")
    return sorted(
        Path(str(p)) for p in root.iterdir() if p.name.endswith(".yaml") and p.name not in NON_RULE_FILES
    )


def load_lexicon(extra_dirs: Iterable[str | Path] = ()) -> Lexicon:
    """Load the shipped lexicons plus any `*.yaml` in `extra_dirs` (a user's own rules)."""
    paths = _package_files()
    for d in extra_dirs:
        paths += sorted(Path(d).glob("*.yaml"))
    files: dict[str, LexiconFile] = {}
    seen: dict[str, str] = {}
    for path in paths:
        lf = load_file(path)
        for entry in [*lf.cues, *lf.rules, *lf.negations]:
            if entry.id in seen:
                raise LexiconError(f"{path.name}: entry {entry.id}: duplicate id (also in {seen[entry.id]})")
            seen[entry.id] = path.name
        files[str(path)] = lf
    known_cues = {c.cue for f in files.values() for c in f.cues} | BUILTIN_CUES
    for path, lf in files.items():
        for rule in lf.rules:
            unknown = [c for c in rule.all_of + rule.none_of if c not in known_cues]
            if unknown:
                raise LexiconError(f"{Path(path).name}: entry {rule.id}: unknown cue(s) {unknown}")
    return Lexicon(files=files)
