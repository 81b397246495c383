"""Generate the labelled seller-message corpus from YAML templates: ``python -m training.generate_corpus``.

Templates live in ``training/templates/<lang>.yaml`` (plus ``common.yaml`` for shared slot patterns). A
template is a string with ``{slot}`` fillers and ``{a|b|c}`` inline alternatives (``{|x}`` = optional ``x``).
Each template yields plain rows, obfuscated rows and code-mixed rows; near-duplicates (the MinHash index of
``training.splits``) are rejected while generating, so every row adds some variety. Seeded: the output file
is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from detector.labels import LABELS, LANGUAGES
from training import CORPUS_PATH, TEMPLATES_DIR, TRAIN_ONLY_DIR, TRAIN_ONLY_PREFIX
from training import augment as aug
from training.splits import NearDupIndex

SEED = 20240611
SCHEMA_VERSION = "v1"

# rows drawn per template: (plain, obfuscated, code-mixed)
PER_TEMPLATE: dict[str, tuple[int, int, int]] = {
    "positive": (5, 2, 1),
    "multi": (5, 2, 1),
    "hard_negative": (12, 1, 2),
    "compliant": (13, 0, 1),
}
MAX_FILLS = 200  # {...} groups resolved per template; more means a slot value that refills itself
MAX_TRIES = 6  # attempts per wanted row before giving up on a near-duplicate-prone template
NEGATIVE_CATEGORIES = ("hard_negative", "compliant")

_SLOT_RE = re.compile(r"\{([^{}]*)\}")


@dataclass
class LangPack:
    """One language's templates and slot fillers, merged over the common ones."""

    lang: str
    slots: dict[str, list[str]]
    patterns: dict[str, list[str]]
    openers: list[str]
    closers: list[str]
    codemix: dict[str, list[str]]
    codemix_fillers: list[str]
    codemix_word_boundary: bool
    templates: dict[str, list[Any]]
    app_words: list[str] = field(default_factory=list)


def load_pack(lang: str, templates_dir: Path = TEMPLATES_DIR, overlay_dir: Path | None = None) -> LangPack:
    """Read ``common.yaml`` and ``<lang>.yaml``; language values override common ones slot by slot.

    `overlay_dir`: take the templates from ``<overlay_dir>/<lang>.yaml`` instead (slots, openers and the rest
    still come from ``templates_dir``): how the fresh-writer evaluation set is built."""
    common = yaml.safe_load((templates_dir / "common.yaml").read_text(encoding="utf-8"))
    data = yaml.safe_load((templates_dir / f"{lang}.yaml").read_text(encoding="utf-8"))
    slots = {**common.get("slots", {}), **data.get("slots", {})}
    patterns = {**common.get("patterns", {}), **data.get("patterns", {})}
    templates = data["templates"]
    if overlay_dir is not None:
        templates = yaml.safe_load((overlay_dir / f"{lang}.yaml").read_text(encoding="utf-8"))["templates"]
    unknown = set(templates) - set(LABELS) - {"multi", *NEGATIVE_CATEGORIES}
    if unknown:
        raise ValueError(f"{lang}.yaml: unknown template categories {sorted(unknown)}")
    return LangPack(
        lang=lang,
        slots={k: [str(x) for x in v] for k, v in slots.items()},
        patterns={k: [str(x) for x in v] for k, v in patterns.items()},
        openers=[str(x) for x in data.get("openers", [""])],
        closers=[str(x) for x in data.get("closers", [""])],
        codemix={str(k): [str(x) for x in v] for k, v in (data.get("codemix") or {}).items()},
        codemix_fillers=[str(x) for x in data.get("codemix_fillers", [])],
        codemix_word_boundary=bool(data.get("codemix_word_boundary", True)),
        templates=templates,
        app_words=[str(x) for x in common.get("app_words", [])],
    )


def _fill_pattern(pattern: str, rng: random.Random) -> str:
    """``#`` -> digit, ``&`` -> lower-case letter, ``*`` -> letter or digit (mixed case)."""
    out = []
    for c in pattern:
        if c == "#":
            out.append(rng.choice("0123456789"))
        elif c == "&":
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyz"))
        elif c == "*":
            out.append(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
        else:
            out.append(c)
    return "".join(out)


class Filler:
    """Fills one template; a slot used twice in a message gets the same value."""

    def __init__(self, pack: LangPack, rng: random.Random) -> None:
        self.pack = pack
        self.rng = rng
        self.cache: dict[str, str] = {}

    def slot(self, name: str) -> str:
        if name in self.cache:
            return self.cache[name]
        value = self._draw(name)
        self.cache[name] = value
        return value

    def _draw(self, name: str) -> str:
        pack, rng = self.pack, self.rng
        if name == "buyerlist":
            return self._buyer_list()
        if name == "slug":
            return re.sub(r"[^a-z0-9]", "", self.slot("shop").lower())[:12] or "shop"
        if name in ("other", "other2"):
            return rng.choice(pack.slots["buyer"])
        if name == "product2":  # a second, different product (cross-selling)
            choices = [p for p in pack.slots["product"] if p != self.slot("product")]
            return rng.choice(choices)
        if name == "bphone":
            return self._pattern("phone")
        if name in pack.patterns:
            return self._pattern(name)
        if name in pack.slots:
            return self.fill(rng.choice(pack.slots[name]))
        raise KeyError(f"{pack.lang}: unknown slot {{{name}}}")

    def _pattern(self, name: str) -> str:
        raw = self.rng.choice(self.pack.patterns[name])
        raw = raw.replace("{slug}", self.slot("slug"))
        return _fill_pattern(raw, self.rng)

    def _buyer_list(self) -> str:
        rng = self.rng
        rows = []
        style = rng.randrange(3)
        for i in range(rng.randint(2, 5)):
            name = rng.choice(self.pack.slots["buyer"])
            phone = self._pattern("phone")
            addr = rng.choice(self.pack.slots["address"])
            if style == 0:
                rows.append(f"{i + 1}. {name} {phone} {addr}")
            elif style == 1:
                rows.append(f"{name} | {phone} | {addr}")
            else:
                rows.append(f"- {name}, {phone}")
        return "\n".join(rows)

    def fill(self, template: str) -> str:
        """Resolve innermost ``{...}`` first, so slots inside alternatives work."""
        text = template
        for _ in range(MAX_FILLS):
            m = _SLOT_RE.search(text)
            if not m:
                return text
            body = m.group(1)
            value = self.rng.choice(body.split("|")) if "|" in body or body == "" else self.slot(body)
            text = text[: m.start()] + value + text[m.end() :]
        raise ValueError(f"template still has {{...}} after {MAX_FILLS} fills: {template[:80]!r}")


def render(pack: LangPack, template: str, rng: random.Random) -> str:
    """Fill a template and wrap it in an optional opener/closer; tidy whitespace."""
    f = Filler(pack, rng)
    body = f.fill(template)
    if rng.random() < 0.45:
        body = f.fill(rng.choice(pack.openers)) + body
    if rng.random() < 0.45:
        body = body + f.fill(rng.choice(pack.closers))
    body = re.sub(r"[ \t]{2,}", " ", body)
    return "\n".join(line.strip() for line in body.strip().split("\n"))


def _noise(text: str, lang: str, rng: random.Random) -> tuple[str, bool]:
    """Sometimes make the text look hurried: typos/case (Latin scripts), no diacritics (Vietnamese)."""
    changed = False
    if lang == "vi" and rng.random() < 0.35:
        text, changed = aug.strip_diacritics_vi(text), True
    if lang in ("en", "ms", "id", "tl", "vi") and rng.random() < 0.3:
        text = aug.typo(text, rng)
        if rng.random() < 0.5:
            text = aug.casing(text, rng)
        changed = True
    return text, changed


def _iter_templates(pack: LangPack) -> Iterator[tuple[str, int, str, list[str]]]:
    """(category, index, template text, labels) in file order."""
    for category in (*LABELS, "multi", *NEGATIVE_CATEGORIES):
        for i, entry in enumerate(pack.templates.get(category) or []):
            if category == "multi":
                labels = list(entry["labels"])
                bad = set(labels) - set(LABELS)
                if bad or len(labels) < 2:
                    raise ValueError(f"{pack.lang} multi[{i}]: bad labels {labels}")
                yield category, i, str(entry["text"]), sorted(labels, key=LABELS.index)
            elif category in NEGATIVE_CATEGORIES:
                yield category, i, str(entry), []
            else:
                yield category, i, str(entry), [category]


def generate(
    seed: int = SEED,
    templates_dir: Path = TEMPLATES_DIR,
    overlay_dir: Path | None = None,
    prefix: str = "gen",
) -> list[dict[str, Any]]:
    """Build all rows (deterministic for a given seed and template set). `overlay_dir`: see `load_pack`;
    `prefix` starts the row ids and, unless "gen", the template groups."""
    rng = random.Random(seed)
    index = NearDupIndex()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()

    def accept(text: str) -> bool:
        if text in seen:
            return False
        hits, mh, sh = index.near(text)
        if hits:
            return False
        index.add(str(len(seen)), mh, sh)
        seen.add(text)
        return True

    for lang in LANGUAGES:
        pack = load_pack(lang, templates_dir, overlay_dir)
        for category, idx, template, labels in _iter_templates(pack):
            group = f"{lang}:{category}:{idx:02d}"
            if prefix != "gen":
                group = f"{prefix}:{group}"
            kind_plain = category if category in NEGATIVE_CATEGORIES else "positive"
            key = category if category in PER_TEMPLATE else "positive"
            n_plain, n_obf, n_mix = PER_TEMPLATE[key]
            if lang == "en":
                n_mix = 0
            plan = [("plain", n_plain), ("obf", n_obf), ("mix", n_mix)]
            for variant, wanted in plan:
                got = 0
                for _ in range(wanted * MAX_TRIES):
                    if got >= wanted:
                        break
                    text = render(pack, template, rng)
                    row_lang, kind = lang, kind_plain
                    if variant == "plain":
                        text, noisy = _noise(text, lang, rng)
                        source = f"template:{SCHEMA_VERSION}" + ("+noise" if noisy else "")
                    elif variant == "obf":
                        text, _tricks = aug.obfuscate(text, lang, rng, pack.app_words)
                        source = "template+obfuscation"
                        if category not in NEGATIVE_CATEGORIES:
                            kind = "obfuscated"
                    else:
                        text = aug.codemix(
                            text,
                            pack.codemix,
                            rng,
                            pack.codemix_fillers,
                            word_boundary=pack.codemix_word_boundary,
                        )
                        source, row_lang = "template+codemix", "mixed"
                    if not accept(text):
                        continue
                    got += 1
                    rows.append(
                        {
                            "id": "",
                            "lang": row_lang,
                            "text": text,
                            "labels": labels,
                            "source": source,
                            "kind": kind,
                            "group": group,
                        }
                    )
    for i, row in enumerate(rows):
        row["id"] = f"{prefix}-{i + 1:05d}"
    return rows


def generate_corpus(seed: int = SEED) -> list[dict[str, Any]]:
    """The committed corpus: the split templates' rows, then the training-only templates' rows (their own
    random stream, so adding training-only templates leaves the split rows, and so the splits, unchanged)."""
    return generate(seed) + generate(seed, overlay_dir=TRAIN_ONLY_DIR, prefix=TRAIN_ONLY_PREFIX)


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    """One JSON object a line, UTF-8, fixed key order, LF endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CORPUS_PATH)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    rows = generate_corpus(args.seed)
    write_jsonl(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
