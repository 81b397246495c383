"""Personal-data recognisers: phone numbers (phonenumbers), e-mails, street addresses, MY/SG national ids.

They run on the normalised text (digit words already turned into digits) and report spans in it. The
recipient's own details (from the request context) are told apart from other people's: only the latter can
make a message a leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

import phonenumbers
import regex
import yaml

from detector.prefilter import Prefilter
from detector.verdict import Recipient

PiiKind = str  # "phone" | "email" | "national_id" | "address"


@dataclass(frozen=True, slots=True)
class PiiItem:
    kind: PiiKind
    start: int  # offsets in the normalised text
    end: int
    value: str  # canonical value (E.164 phone, lower-case e-mail, digits of an id)
    is_recipient: bool = False


_DIGIT = regex.compile(r"\d")
_DATE = regex.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")  # 10.11.2026, 2026-11-25: not phone numbers
_SEVEN_DIGITS = regex.compile(r"\d(?:\D{0,3}\d){6}")
_TWELVE_DIGITS = regex.compile(r"\d(?:-?\d){11}")
# Cheap pre-test: phonenumbers costs ~0.3 ms a call, so only digit runs that could be numbers reach it.
_PHONE_CANDIDATE = regex.compile(r"(?<![a-z0-9_/=.])\+?\(?\d[\d \-().]{6,18}\d(?![a-z0-9_/])")
_EMAIL = regex.compile(
    r"(?<![\w.+-])[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,24}(?![\w])"
)
_MYKAD = regex.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})-?(\d{2})-?(\d{4})(?!\d)")
_NRIC = regex.compile(r"(?<![a-z0-9])([stfgm])(\d{7})([a-z])(?![a-z0-9])")

# Place-of-birth codes valid on a MyKad (states and foreign-born codes).
_MYKAD_PB = {
    f"{n:02d}"
    for n in [*range(1, 17), *range(21, 60), *range(60, 69), 71, 72, *range(74, 80), *range(82, 94), 98, 99]
}
_NRIC_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
_NRIC_ST = "jzihgfedcba"
_NRIC_FG = "xwutrqpnmlk"
_NRIC_M = "kltjnxwutrq"


@lru_cache(maxsize=1)
def _data() -> dict:
    with resources.files("detector.lexicons").joinpath("pii.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["address_res"] = [regex.compile(v, regex.MULTILINE) for v in data["addresses"].values()]
    data["address_prefilter"] = Prefilter(list(data["addresses"].values()))
    data["list_line_re"] = regex.compile(data["list_line"], regex.MULTILINE)
    return data


def _regions(language: str | None) -> list[str]:
    data = _data()
    first = data["phone_regions"]["by_language"].get(language or "", [])
    return first + [r for r in data["phone_regions"]["default"] if r not in first]


@lru_cache(maxsize=32)
def _national_shape(region: str) -> tuple[str, str, re.Pattern[str], re.Pattern[str]] | None:
    """(national prefix, country code, the region's general national-number pattern, its international
    dialling prefix), or None when the region strips prefixes by a rule rather than a plain prefix (then
    phonenumbers alone decides)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.national_prefix_transform_rule or not meta.international_prefix:
        return None
    prefix = meta.national_prefix_for_parsing or ""
    if not prefix.isdigit() and prefix:
        return None
    national = re.compile(meta.general_desc.national_number_pattern)
    return prefix, str(meta.country_code), national, re.compile(meta.international_prefix)


def _may_be_valid(digits: str, region: str) -> bool:
    """False only when `digits` cannot be a valid number of `region` whatever phonenumbers does with it:
    with and without the national prefix or the country code, it fits no national number of the region.
    Order and tracking numbers are rejected here for a fraction of a parse's cost."""
    shape = _national_shape(region)
    if shape is None or shape[3].match(digits):  # dialled abroad ("00 60 ...", SG "037 63 ..."): parse
        return True
    prefix, cc, national, _ = shape
    bases = [digits, digits[len(cc) :]] if digits.startswith(cc) else [digits]
    forms = bases + [b[len(prefix) :] for b in bases if prefix and b.startswith(prefix)]
    return any(national.fullmatch(f) for f in forms)


def find_phones(text: str, language: str | None = None, *, precheck: bool = True) -> list[PiiItem]:
    """Phone numbers valid in one of the language's regions (`precheck=False` skips the cheap shape test
    before each phonenumbers parse; the results are the same, tested)."""
    if not _SEVEN_DIGITS.search(text):
        return []
    out: list[PiiItem] = []
    regions = _regions(language)
    for m in _PHONE_CANDIDATE.finditer(text):
        raw = m.group(0).strip(" -.(")
        start = m.start() + m.group(0).index(raw[0])
        only_digits = "".join(c for c in raw if c.isdigit())
        if not 8 <= len(only_digits) <= 15 or _DATE.fullmatch(raw):
            continue
        for region in [None] if raw.startswith("+") else regions:
            if precheck and region is not None and not _may_be_valid(only_digits, region):
                continue
            e164 = _valid_e164(raw, region)
            if e164 is not None:
                out.append(PiiItem("phone", start, start + len(raw), e164))
                break
    return out


@lru_cache(maxsize=8192)
def _valid_e164(raw: str, region: str | None) -> str | None:
    """The E.164 form of `raw` read in `region` when it is a valid number, else None. Remembered: a seller's
    or a customer's number recurs across a chat log, and a parse costs tens of microseconds."""
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def find_emails(text: str) -> list[PiiItem]:
    if "@" not in text:
        return []
    return [PiiItem("email", m.start(), m.end(), m.group(0)) for m in _EMAIL.finditer(text)]


def _valid_mykad(m: regex.Match) -> bool:
    yy, mm, dd, pb = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    if pb not in _MYKAD_PB:
        return False
    for century in (1900, 2000):
        try:
            date(century + yy, mm, dd)
            return True
        except ValueError:
            continue
    return False


def _valid_nric(prefix: str, digits: str, check: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits, _NRIC_WEIGHTS, strict=True))
    if prefix in "tg":
        total += 4
    elif prefix == "m":
        total += 3
    table = {"s": _NRIC_ST, "t": _NRIC_ST, "f": _NRIC_FG, "g": _NRIC_FG, "m": _NRIC_M}[prefix]
    return table[total % 11] == check


def find_national_ids(text: str) -> list[PiiItem]:
    out: list[PiiItem] = []
    if _SEVEN_DIGITS.search(text):
        for m in _NRIC.finditer(text):
            if _valid_nric(m.group(1), m.group(2), m.group(3)):
                out.append(PiiItem("national_id", m.start(), m.end(), m.group(0)))
        if _TWELVE_DIGITS.search(text):
            for m in _MYKAD.finditer(text):
                if _valid_mykad(m) and ("-" in m.group(0) or not _inside_phone(m, text)):
                    out.append(PiiItem("national_id", m.start(), m.end(), "".join(m.groups())))
    return out


def _inside_phone(m: regex.Match, text: str) -> bool:
    return text[max(0, m.start() - 1) : m.start()] == "+"


def find_addresses(text: str) -> list[PiiItem]:
    if not _DIGIT.search(text):
        return []
    out: list[PiiItem] = []
    data = _data()
    for i in data["address_prefilter"].candidates(text):
        for m in data["address_res"][i].finditer(text):
            out.append(PiiItem("address", m.start(), m.end(), m.group(0)))
    return out


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _same_phone(a: str, b: str) -> bool:
    da, db = _digits(a), _digits(b)
    return len(da) >= 7 and len(db) >= 7 and (da[-8:] == db[-8:])


def _grams(s: str, n: int = 3) -> set[str]:
    """Character trigrams of the letters and digits only: works for Thai and Chinese as well as Latin."""
    core = "".join(c for c in s.lower() if c.isalnum())
    return {core[i : i + n] for i in range(max(1, len(core) - n + 1))}


def _same_address(found: str, known: str) -> bool:
    """The found span is the recipient's address if most of one is contained in the other."""
    a, b = _grams(found), _grams(known)
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(b) >= 0.7 or shared / len(a) >= 0.7


def _mark_recipient(item: PiiItem, known: dict[str, str]) -> PiiItem:
    """`known`: the recipient's own phone/email/address, normalised like the message."""
    value = known.get(item.kind)
    if value is None:
        return item
    if item.kind == "phone":
        same = _same_phone(item.value, value)
    elif item.kind == "email":
        same = item.value == value.strip()
    else:
        same = _same_address(item.value, value)
    return PiiItem(item.kind, item.start, item.end, item.value, is_recipient=True) if same else item


def find_pii(text: str, language: str | None, recipient: Recipient | None, normalize_fn) -> list[PiiItem]:
    """All personal data in the normalised `text`, overlaps resolved (longest wins), recipient's marked."""
    found = find_emails(text) + find_national_ids(text) + find_addresses(text) + find_phones(text, language)
    kept: list[PiiItem] = []
    for item in sorted(found, key=lambda i: i.start - i.end):  # longest first
        if not any(item.start < k.end and k.start < item.end for k in kept):
            kept.append(item)
    if recipient is None or not kept:
        return sorted(kept, key=lambda i: i.start)
    known = {
        kind: normalize_fn(v)
        for kind, v in (
            ("phone", recipient.phone),
            ("email", recipient.email),
            ("address", recipient.address),
        )
        if v
    }
    return sorted((_mark_recipient(i, known) for i in kept), key=lambda i: i.start)


def list_lines(text: str) -> int:
    """How many lines look like rows of a pasted contact list."""
    if text.count("\n") < 2:
        return 0
    return sum(1 for _ in _data()["list_line_re"].finditer(text))


def is_pasted_list(text: str) -> bool:
    return list_lines(text) >= _data()["list_min_lines"]


# A phone-like run the recognisers did not confirm (an unusual format, a foreign number): still masked in
# evidence, on the safe side.
_STRAY_NUMBER = regex.compile(r"(?<![\w])\+?\d(?:[\d \-().]{0,3}\d){6,}(?!\w)")


def mask_stray_numbers(text: str) -> str:
    """`text` with every run of 7+ digits (separators allowed) masked like a phone number, same length."""
    if not _SEVEN_DIGITS.search(text):
        return text
    return _STRAY_NUMBER.sub(
        lambda m: m.group(0) if _DATE.fullmatch(m.group(0).strip()) else mask(m.group(0), "phone"), text
    )


def mask(value: str, kind: str) -> str:
    """Mask personal data for evidence: keep just enough to recognise it."""
    if kind == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return (local[:1] + "***@" + domain) if local else "***@" + domain
    if kind in ("phone", "national_id"):
        idx = [i for i, c in enumerate(value) if c.isalnum()]
        keep = set(idx[:3] + idx[-2:]) if len(idx) > 6 else set(idx[-2:])
        return "".join(c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(value))
    if kind == "name":
        return value[:1] + "***"
    words = value.split()
    return (words[0] + " " + "*" * 6) if len(words) > 1 else "*" * max(3, min(len(value), 8))
