"""Readers for the real public SMS corpora in ``<shared>/data/external/`` (never copied into this repository).

``<shared>`` is ``$OUTREACH_GUARD_SHARED`` when set (a relative value is taken relative to the repository
root), else ``<repo>/../shared``. Every reader returns rows in the corpus schema (``id``, ``lang``, ``text``,
``labels``, ``source`` = ``external:<corpus>``, ``kind``, ``group``) plus two bookkeeping fields:
``raw_label`` (the class as written in the file) and ``use`` (``"train"``, or ``"aside:<reason>"`` for rows
kept out of training). ``load_external()`` returns only the ``use == "train"`` rows.

Mapping rules (the corpora are SMS, not marketplace chat, so only clear cases become positives):

* **UCI SMS Spam** (en): ``ham`` -> compliant. ``spam`` -> ``bulk_marketing`` when it is promotional marketing
  (ringtone/handset/tariff offers, "txt STOP" subscriptions, chat-line adverts). Spam that is a prize/lottery
  scam ("you have won", "claim your prize", "guaranteed cash award", "selected to receive") is set aside as
  ``aside:prize_scam``: it is fraud, not marketing of a product, and labelling it ``bulk_marketing`` would
  teach the model that any "winner" message is a seller's promo. The test is the regex ``PRIZE_RE`` below.
* **Wibisono** (id): ``0`` normal -> compliant; ``2`` promo (operator/brand marketing) -> ``bulk_marketing``;
  ``1`` fraud -> ``aside:fraud``. The ``2016-07-08 11:47:11.`` timestamp prefix is stripped.
* **bopbi** (id, all spam): ``loan`` and ``non-provider-promo`` are unsolicited offers -> ``bulk_marketing``,
  plus ``offplatform_contact`` when they hand out a WhatsApp/phone contact (``CONTACT_RE``), except two
  "loan" files that are really prize/black-magic scams (``ID_SCAM_RE``) -> ``aside:scam_in_loan``;
  ``prize`` -> ``aside:prize_scam``; ``premium-sms`` -> ``aside:premium_rate``; ``evil-service`` (shaman
  services) -> ``aside:fraud``.

HTML entities are unescaped (UCI has ``&lt;#&gt;``); files are decoded as UTF-8 with a cp1252/latin-1
fallback; CR/CRLF line endings are normalised to LF.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import re
from pathlib import Path
from typing import Any

from training import REPO_ROOT

PRIZE_RE = re.compile(
    r"\b(?:you(?:'ve| have)? (?:won|been selected)|winner|won (?:a|an|the|£|\$)|prize|claim|award(?:ed)?|"
    r"guaranteed|selected to receive|lottery|jackpot|cash (?:prize|award))\b",
    re.IGNORECASE,
)
# an Indonesian mobile number handed out ("Chat WA 0852-...", "Whatsup 0877...")
CONTACT_RE = re.compile(r"(?<!\d)(?:\+?62|0)8\d[\d -]{6,}\d")
# prize / black-magic scams filed under bopbi's loan folder
ID_SCAM_RE = re.compile(r"(?i)\b(?:hadiah|pemenang|pesugihan|dukun|santet)\b")
_TS_PREFIX_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?\.?\s*")


def shared_dir() -> Path:
    """The shared folder: ``$OUTREACH_GUARD_SHARED`` (relative to the repo root) or ``<repo>/../shared``."""
    env = os.environ.get("OUTREACH_GUARD_SHARED")
    if env:
        path = Path(env)
        return path if path.is_absolute() else (REPO_ROOT / path).resolve()
    return (REPO_ROOT.parent / "shared").resolve()


def external_dir() -> Path:
    return shared_dir() / "data" / "external"


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for enc in ("utf-8", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean(text: str) -> str:
    return html.unescape(text).strip()


def _row(corpus: str, lang: str, text: str, labels: list[str], raw_label: str, use: str) -> dict[str, Any]:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return {
        "id": f"ext-{corpus}-{digest}",
        "lang": lang,
        "text": text,
        "labels": labels,
        "source": f"external:{corpus}",
        "kind": "positive" if labels else "compliant",
        "group": f"external:{corpus}",
        "raw_label": raw_label,
        "use": use,
    }


def read_uci() -> list[dict[str, Any]]:
    """UCI SMS Spam Collection: every line, with ``raw_label`` ham/spam."""
    path = external_dir() / "uci_sms_spam" / "SMSSpamCollection"
    rows = []
    for line in _read_text(path).split("\n"):
        if not line.strip():
            continue
        raw_label, _, text = line.partition("\t")
        text = _clean(text)
        if raw_label == "ham":
            rows.append(_row("uci_sms_spam", "en", text, [], "ham", "train"))
        elif PRIZE_RE.search(text):
            rows.append(_row("uci_sms_spam", "en", text, [], "spam", "aside:prize_scam"))
        else:
            rows.append(_row("uci_sms_spam", "en", text, ["bulk_marketing"], "spam", "train"))
    return rows


def read_wibisono() -> list[dict[str, Any]]:
    """Wibisono Indonesian SMS: ``raw_label`` 0 normal, 1 fraud, 2 promo."""
    path = external_dir() / "id_sms_spam_wibisono" / "dataset_sms_spam_v1.csv"
    rows = []
    for rec in csv.DictReader(io.StringIO(_read_text(path))):
        raw_label = rec["label"].strip()
        text = _clean(_TS_PREFIX_RE.sub("", rec["Teks"]))
        if raw_label == "0":
            rows.append(_row("id_sms_spam_wibisono", "id", text, [], "0", "train"))
        elif raw_label == "2":
            rows.append(_row("id_sms_spam_wibisono", "id", text, ["bulk_marketing"], "2", "train"))
        else:
            rows.append(_row("id_sms_spam_wibisono", "id", text, [], raw_label, "aside:fraud"))
    return rows


_BOPBI_ASIDE = {
    "prize": "aside:prize_scam",
    "premium-sms": "aside:premium_rate",
    "evil-service": "aside:fraud",
}


def read_bopbi() -> list[dict[str, Any]]:
    """bopbi Indonesian spam: one message per ``<category>/<n>.txt``; ``raw_label`` is the category."""
    root = external_dir() / "id_sms_spam_bopbi"
    rows = []
    for path in sorted(
        root.glob("*/*.txt"), key=lambda p: (p.parent.name, int(p.stem) if p.stem.isdigit() else 0)
    ):
        category = path.parent.name
        text = _clean(_read_text(path))
        aside = _BOPBI_ASIDE.get(category) or ("aside:scam_in_loan" if ID_SCAM_RE.search(text) else None)
        if aside:
            rows.append(_row("id_sms_spam_bopbi", "id", text, [], category, aside))
            continue
        labels = ["bulk_marketing"]
        if CONTACT_RE.search(text):
            labels.append("offplatform_contact")
        rows.append(_row("id_sms_spam_bopbi", "id", text, labels, category, "train"))
    return rows


def read_all() -> list[dict[str, Any]]:
    """All rows of all three corpora, including the ones set aside."""
    return read_uci() + read_wibisono() + read_bopbi()


def load_external() -> list[dict[str, Any]]:
    """Training-usable external rows in the corpus schema (bookkeeping fields dropped)."""
    keep = ("id", "lang", "text", "labels", "source", "kind", "group")
    return [{k: r[k] for k in keep} for r in read_all() if r["use"] == "train"]
