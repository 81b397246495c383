"""`Detector`: the public entry point. Normalise, find personal data, run the rules and the model, fuse."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detector import __version__
from detector.labels import LABELS, POLICY_RULE
from detector.langid import LanguageGuesser
from detector.lexicon import Lexicon, load_lexicon
from detector.names import find_names
from detector.normalize import Normalized, normalize, normalize_text
from detector.pii import PiiItem, find_pii, is_pasted_list, mask, mask_stray_numbers
from detector.policy import Policy, load_policy, stricter
from detector.rules import RuleEngine, RuleHit, Span, dedupe
from detector.verdict import Context, Evidence, LabelResult, Verdict

DEFAULT_MAX_CHARS = 200_000


@dataclass(slots=True)
class _Prepared:
    """Everything the rules produced for one message, kept for the model and the verdict."""

    norm: Normalized
    language: str
    pii: list[PiiItem]
    hits: list[RuleHit]
    cues: set[str]
    names: list[tuple[int, int]] | None = None  # spans in the original text, found when evidence needs them


def _as_context(context: Context | dict | None) -> Context | None:
    if context is None or isinstance(context, Context):
        return context
    if isinstance(context, dict):
        return Context.model_validate(context)
    raise ValueError(f"context must be a dict or Context, not {type(context).__name__}")


def default_models_dir() -> Path:
    return Path(os.environ.get("OUTREACH_GUARD_MODELS_DIR", Path(__file__).resolve().parents[1] / "models"))


class Detector:
    """Checks seller messages against the customer-data policy.

    `Detector.load()` gives the shipped rules plus the newest shipped model; `check`/`check_many` return a
    `Verdict` with a decision, the labels that fired, their scores and evidence spans into the original text.
    """

    def __init__(
        self,
        lexicon: Lexicon,
        policy: Policy,
        model: Any | None = None,
        *,
        mask_pii: bool = True,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        self.lexicon = lexicon
        self.engine = RuleEngine(lexicon)
        self.policy = policy
        self.model = model
        self.mask_pii = mask_pii
        self.max_chars = max_chars
        self._langid = LanguageGuesser(lexicon.detect_words())
        self.version = f"{__version__}+{model.version}" if model is not None else f"{__version__}+rules"

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        use_model: bool = True,
        mask_pii: bool = True,
        config: str | Path | dict | None = None,
        rules_dirs: Sequence[str | Path] = (),
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> Detector:
        """Load the shipped rules, and a model: `path` (a model folder), else the newest in `models/`."""
        lexicon = load_lexicon(rules_dirs)
        model = None
        if use_model:
            from detector.model_store import load_model, newest_model_dir

            model_dir = Path(path) if path is not None else newest_model_dir(default_models_dir())
            if model_dir is not None:
                model = load_model(model_dir)
            elif path is not None:
                raise FileNotFoundError(f"no model at {path}")
        policy = Policy(load_policy(config), model.thresholds if model is not None else None)
        return cls(lexicon, policy, model, mask_pii=mask_pii, max_chars=max_chars)

    def warm_up(self, freeze: bool = True) -> None:
        """Load the lazy parts (Thai and Chinese segmenters) now rather than on the first such message.

        With `freeze`, then move every object the process holds so far out of the garbage collector's
        sweeps (`gc.freeze()`): the lexicons, the model and the segmenters' dictionaries are some 600,000
        long-lived objects that each full collection would otherwise walk again, which cost about 20% of a
        large batch. Frozen objects are still freed when their last reference goes; only reference cycles
        among them are never collected. Call it once a long-running process (a service or audit worker, a
        notebook) has loaded what it keeps."""
        self.check_many(["warm-up: your order has shipped", "亲，您的订单已发货", "ขอบคุณค่ะ จัดส่งแล้ว"])
        if freeze:
            gc.collect()
            gc.freeze()

    @property
    def model_card(self) -> dict | None:
        return self.model.card if self.model is not None else None

    def rules_summary(self) -> list[dict]:
        return [
            {
                "id": r.id,
                "label": r.label,
                "weight": r.weight,
                "description": r.description,
                "policy_rule": POLICY_RULE[r.label],
            }
            for r in self.lexicon.rules
        ]

    # -- public checks ------------------------------------------------------------------------------------
    def check(
        self,
        text: str,
        context: Context | dict | None = None,
        *,
        lang: str | None = None,
        mask_pii: bool | None = None,
    ) -> Verdict:
        return self.check_many([text], [context], langs=[lang], mask_pii=mask_pii)[0]

    def check_many(
        self,
        texts: Sequence[str],
        contexts: Sequence[Context | dict | None] | None = None,
        *,
        langs: Sequence[str | None] | None = None,
        mask_pii: bool | None = None,
    ) -> list[Verdict]:
        """Batched `check`: the rules run per message, the model scores the batch at once."""
        if isinstance(texts, str):
            raise ValueError("check_many takes a sequence of texts, not one str")
        n = len(texts)
        contexts = list(contexts) if contexts is not None else [None] * n
        langs = list(langs) if langs is not None else [None] * n
        if len(contexts) != n or len(langs) != n:
            raise ValueError("texts, contexts and langs must have the same length")
        do_mask = self.mask_pii if mask_pii is None else mask_pii
        prepared = self._prepare_many(texts, [_as_context(c) for c in contexts], langs)
        probs = self._probabilities(prepared) if self.policy.model_enabled else None
        return [
            self._verdict(p, None if probs is None else probs[i], do_mask) for i, p in enumerate(prepared)
        ]

    def features(self, texts: Sequence[str]) -> tuple[list[str], list[set[str]]]:
        """Normalised texts and rule cue sets: what the classifier is trained on."""
        prepared = self._prepare_many(texts, [None] * len(texts), [None] * len(texts))
        return [p.norm.text for p in prepared], [p.cues for p in prepared]

    def check_campaign(self, campaign: Any, *, mask_pii: bool | None = None) -> Verdict:
        from detector.campaign import check_campaign

        return check_campaign(self, campaign, mask_pii=mask_pii)

    # -- internals ----------------------------------------------------------------------------------------
    def _validate(self, text: Any) -> str:
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, not {type(text).__name__}")
        if len(text) > self.max_chars:
            raise ValueError(f"text too long: {len(text)} characters (limit {self.max_chars})")
        return text

    def _prepare_many(
        self, texts: Sequence[str], contexts: Sequence[Context | None], langs: Sequence[str | None]
    ) -> list[_Prepared]:
        """Each message through normalisation, language, personal data and rules, stage by stage over the
        batch: a stage's tables stay in the CPU cache across messages (about 20% faster than message by
        message; every message still gets exactly the same steps)."""
        norms = [normalize(self._validate(t)) for t in texts]
        languages = [
            lg or self._langid.guess(t, nm.text) for t, nm, lg in zip(texts, norms, langs, strict=True)
        ]
        recipients = [c.recipient if c is not None else None for c in contexts]
        piis = [
            find_pii(nm.text, lg, rc, normalize_text)
            for nm, lg, rc in zip(norms, languages, recipients, strict=True)
        ]
        out = []
        for nm, lg, pii, rc in zip(norms, languages, piis, recipients, strict=True):
            builtin = self._pii_cues(nm.text, pii, rc is not None)
            hits, cue_names = self.engine.match(nm.text, builtin)
            hits = dedupe(hits)
            cues = cue_names | {h.rule.id + (":neg" if h.negated_by else "") for h in hits}
            out.append(_Prepared(nm, lg, pii, hits, cues))
        return out

    @staticmethod
    def _pii_cues(text: str, pii: list[PiiItem], has_recipient: bool) -> dict[str, list[Span]]:
        cues: dict[str, list[Span]] = {}
        others = [i for i in pii if not i.is_recipient]
        for item in others:
            cues.setdefault(item.kind, []).append(Span(item.kind, item.start, item.end))
            if has_recipient and item.kind in ("email", "address", "national_id"):
                cues.setdefault("foreign_pii", []).append(Span("foreign_pii", item.start, item.end))
        # two or more people's details, or a pasted list; the seller's own numbers are told apart by the
        # rules (none_of: first_person_contact, contact_verb)
        if _people(others) >= 2 or (others and is_pasted_list(text)):
            start = min(i.start for i in others)
            end = max(i.end for i in others)
            cues["multi_pii"] = [Span("multi_pii", start, end)]
        return cues

    @staticmethod
    def _evidence_spans(p: _Prepared, hits: list[RuleHit]) -> list[tuple[float, int, int, int, int, RuleHit]]:
        """(weight, original start, original end, normalised start, end, hit) of each piece of evidence:
        a hit's span, or the personal data inside it when the hit is about someone else's details."""
        out = []
        for hit in sorted(hits, key=lambda h: h.start):
            spans = [(hit.start, hit.end)]
            if any(part.name in ("multi_pii", "foreign_pii", "national_id") for part in hit.parts):
                spans = [
                    (i.start, i.end) for i in p.pii if not i.is_recipient and hit.start <= i.start < hit.end
                ]
                spans = spans or [(hit.start, hit.end)]
            for s, e in spans:
                os_, oe = p.norm.span(s, e)
                out.append((hit.rule.weight, os_, oe, s, e, hit))
        return out

    def _evidence(self, p: _Prepared, hits: list[RuleHit], do_mask: bool) -> list[Evidence]:
        """The rule evidence shown for one label: spans chosen first (`_strongest_spans`), then only those
        masked and built."""
        out = []
        for weight, _, _, s, e, hit in _strongest_spans(self._evidence_spans(p, hits)):
            os_, oe, text, masked = self._span_text(p, s, e, do_mask)
            out.append(
                Evidence(
                    start=os_,
                    end=oe,
                    text=text,
                    rule_id=hit.rule.id,
                    model=None,
                    weight=weight,
                    masked=masked,
                    negated=hit.negated_by is not None,
                )
            )
        return out

    @staticmethod
    def _span_text(p: _Prepared, s: int, e: int, do_mask: bool) -> tuple[int, int, str, bool]:
        """Original offsets and text of a normalised span, with the personal data inside it masked."""
        os_, oe = p.norm.span(s, e)
        raw = p.norm.original[os_:oe]
        if not do_mask:
            return os_, oe, raw, False
        personal = [
            (*p.norm.span(max(i.start, s), min(i.end, e)), i.kind) for i in p.pii if i.start < e and i.end > s
        ]
        personal += [(max(ns, os_), min(ne, oe), "name") for ns, ne in _names(p) if ns < oe and ne > os_]
        pieces, last = [], os_
        for ps, pe, kind in sorted(personal):
            if ps < last:
                continue
            pieces.append(p.norm.original[last:ps])
            pieces.append(mask(p.norm.original[ps:pe], kind))
            last = pe
        pieces.append(p.norm.original[last:oe])
        shown = mask_stray_numbers("".join(pieces))
        return os_, oe, shown, bool(personal) or shown != raw

    def _verdict(self, p: _Prepared, probs: Any, do_mask: bool) -> Verdict:
        flag_at = self.policy.model_flag_vector
        if not p.hits and (probs is None or (probs < flag_at).all()):
            # nothing fired and the model is under every threshold that could flag: allow without the loop
            return Verdict(decision="allow", labels=[], language=p.language, detector_version=self.version)
        table = None
        by_label = _hits_by_label(p.hits)
        results: list[LabelResult] = []
        overall = "allow"
        skip_quiet = self.policy.zero_rule_score_allows
        for j, label in enumerate(LABELS):
            hits = by_label.get(label, [])
            if skip_quiet and not hits and (probs is None or probs[j] < flag_at[j]):
                continue  # no rule hit and the model under its thresholds: `decide` would allow
            rule_score, all_negated, vetoable = self._rule_evidence(hits)
            model_score = float(probs[j]) if probs is not None else None
            d = self.policy.decide(label, rule_score, all_negated, model_score, vetoable)
            if d.decision == "allow":
                continue
            evidence = self._evidence(p, hits, do_mask)
            if d.model_score is not None and not evidence:  # found by the model alone: say which n-grams
                if table is None:  # hashed once per message, whatever the number of labels
                    table = self.model.gram_table(p.norm.text)
                evidence = self._model_evidence(p, label, do_mask, table)
            # validated: pydantic-core's validating constructor is faster than model_construct's Python
            results.append(
                LabelResult(
                    label=label,
                    score=min(1.0, d.score),
                    decision=d.decision,
                    policy_rule=POLICY_RULE[label],
                    rule_score=d.rule_score,
                    model_score=d.model_score,
                    evidence=evidence,
                )
            )
            overall = stricter(overall, d.decision)
        return Verdict(decision=overall, labels=results, language=p.language, detector_version=self.version)

    def _probabilities(self, prepared: list[_Prepared]) -> np.ndarray | None:
        """The model's (messages, labels) probabilities for prepared messages; None without a model."""
        if self.model is None or not prepared:
            return None
        return self.model.predict_proba([p.norm.text for p in prepared], [p.cues for p in prepared])

    def _rule_evidence(self, hits: list[RuleHit]) -> tuple[float, bool, bool]:
        """One label's rule hits as the policy weighs them: (rule score, every hit negated, vetoable). A rule
        counts once, by its strongest hit, a plain hit before a negated one."""
        best: dict[str, tuple[float, bool]] = {}
        for h in hits:
            neg = h.negated_by is not None
            prev = best.get(h.rule.id)
            if prev is None or (prev[1] and not neg) or (prev[1] == neg and h.rule.weight > prev[0]):
                best[h.rule.id] = (h.rule.weight, neg)
        rule_score, all_negated = self.policy.rule_score(list(best.values()))
        return rule_score, all_negated, all(h.rule.model_veto for h in hits)

    def fusion_inputs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """What the decision policy fuses, per message (rows) and label (columns, LABELS order): the model's
        probabilities `model` (NaN without a model), the rules' `rule_score`, `all_negated` and `vetoable`.
        For choosing policy settings on labelled data (`python -m training.fusion`)."""
        prepared = self._prepare_many(texts, [None] * len(texts), [None] * len(texts))
        shape = (len(prepared), len(LABELS))
        out = {
            "model": np.full(shape, np.nan),
            "rule_score": np.zeros(shape),
            "all_negated": np.zeros(shape, dtype=bool),
            "vetoable": np.ones(shape, dtype=bool),
        }
        probs = self._probabilities(prepared)
        if probs is not None:
            out["model"][:] = probs
        for i, p in enumerate(prepared):
            by_label = _hits_by_label(p.hits)
            for j, label in enumerate(LABELS):
                if label in by_label:
                    row = self._rule_evidence(by_label[label])
                    out["rule_score"][i, j], out["all_negated"][i, j], out["vetoable"][i, j] = row
        return out

    def _model_evidence(self, p: _Prepared, label: str, do_mask: bool, table: tuple) -> list[Evidence]:
        out = []
        for gram, weight, s, e in self.model.explain(p.norm.text, label, self.policy.explain_top_k, table):
            if s is None:
                out.append(Evidence(text=gram, model=self.model.version, weight=round(weight, 4)))
                continue
            os_, oe, text, masked = self._span_text(p, s, e, do_mask)
            out.append(
                Evidence(
                    start=os_,
                    end=oe,
                    text=text,
                    model=self.model.version,
                    weight=round(weight, 4),
                    masked=masked,
                )
            )
        return out


def _hits_by_label(hits: list[RuleHit]) -> dict[str, list[RuleHit]]:
    by_label: dict[str, list[RuleHit]] = {}
    for hit in hits:
        by_label.setdefault(hit.rule.label, []).append(hit)
    return by_label


def _names(p: _Prepared) -> list[tuple[int, int]]:
    """The personal names in the message (original offsets), found once, when evidence first needs them."""
    if p.names is None:
        p.names = find_names(p.norm.original, [p.norm.span(i.start, i.end) for i in p.pii])
    return p.names


def _people(items: list[PiiItem], gap: int = 60) -> int:
    """How many people the personal data seems to belong to: items close together with distinct kinds
    (a phone next to an address) are one person; a second phone or a far-away item starts another."""
    people, kinds, last_end = 0, set(), -(10**9)
    seen: set[tuple[str, str]] = set()
    for item in items:
        key = (item.kind, item.value)
        if key in seen:
            continue
        seen.add(key)
        if not kinds or item.kind in kinds or item.start - last_end > gap:
            people += 1
            kinds = set()
        kinds.add(item.kind)
        last_end = item.end
    return people


def _strongest_spans(spans: list[tuple], limit: int = 6) -> list[tuple]:
    """Strongest first; a span that contains an already-kept, at least as strong span adds nothing.

    `spans` are (weight, start, end, ...) tuples in original-text offsets."""
    kept: list[tuple] = []
    for sp in sorted(spans, key=lambda t: (-t[0], t[1], t[2] - t[1])):
        if any(sp[1] <= k[1] and k[2] <= sp[2] for k in kept):
            continue
        kept.append(sp)
        if len(kept) == limit:
            break
    return kept
