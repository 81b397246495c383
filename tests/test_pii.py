"""Personal-data recognisers: numbers per country, ids with checksums, e-mails, masking."""

import pytest

from detector.normalize import normalize_text
from detector.pii import find_emails, find_national_ids, find_phones, find_pii, mask
from detector.verdict import Recipient


@pytest.mark.parametrize(
    "text,lang,e164",
    [
        ("call +60 12-345 6789", None, "+60123456789"),
        ("wa 012-345 6789", "ms", "+60123456789"),
        ("hp 0812-3456-7890", "id", "+6281234567890"),
        ("โทร 081 234 5678", "th", "+66812345678"),
        ("sdt 0912 345 678", "vi", "+84912345678"),
        ("text 0917 123 4567", "tl", "+639171234567"),
        ("电话 138 0013 8000", "zh-Hans", "+8613800138000"),
        ("hp 9123 4567", "en", "+6591234567"),
    ],
)
def test_phone_numbers_per_country(text: str, lang, e164: str) -> None:
    assert [p.value for p in find_phones(normalize_text(text), lang)] == [e164]


@pytest.mark.parametrize("text", ["order 2026112512345678", "rm 1,299.00", "resi JNE 1234", "10.11.2026"])
def test_non_phones_are_ignored(text: str) -> None:
    assert find_phones(normalize_text(text), "ms") == []


@pytest.mark.parametrize(
    "text,valid",
    [
        ("nric S1234567D", True),
        ("nric S1234567A", False),  # wrong check letter
        ("ic 900101-14-5678", True),
        ("ic 901301-14-5678", False),  # month 13
        ("ic 900101-00-5678", False),  # no such place-of-birth code
    ],
)
def test_national_ids_need_valid_checksums(text: str, valid: bool) -> None:
    assert bool(find_national_ids(normalize_text(text))) is valid


def test_emails() -> None:
    assert [e.value for e in find_emails("mail me: ali.b+shop@gmail.com or x@y")] == ["ali.b+shop@gmail.com"]


def test_recipient_details_are_marked() -> None:
    text = normalize_text("Hi Siti, we will call 019-8765432 or your friend at 013-9988776")
    items = find_pii(text, "ms", Recipient(phone="+60198765432"), normalize_text)
    assert [i.is_recipient for i in items] == [True, False]


@pytest.mark.parametrize(
    "value,kind,expected",
    [
        ("+60 12-345 6789", "phone", "+60 1*-*** **89"),
        ("ali.baba@gmail.com", "email", "a***@gmail.com"),
        ("900101-14-5678", "national_id", "900***-**-**78"),
        ("Harvey Ong", "name", "H***"),
        ("สมศรี", "name", "ส***"),
    ],
)
def test_masking_keeps_only_a_hint(value: str, kind: str, expected: str) -> None:
    assert mask(value, kind) == expected


def test_stray_phone_like_numbers_are_masked_in_evidence() -> None:
    from detector.pii import mask_stray_numbers

    assert mask_stray_numbers("call +852 9938 7571 now") == "call +852 **** **71 now"
    assert mask_stray_numbers("015-8788427") == "015-*****27"
    for kept in ("order 123456 ok", "on 2026-11-25 at 10:30", "no digits"):
        assert mask_stray_numbers(kept) == kept


def test_phone_precheck_never_changes_what_is_found() -> None:
    """The cheap shape test before each phonenumbers parse only skips parses that could not succeed:
    random digit strings with every prefix form (national, country code, '+', dialled abroad) give the
    same phones with and without it."""
    import random

    from detector.pii import find_phones

    rng = random.Random(11)
    texts = []
    for _ in range(1500):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 15)))
        prefix = rng.choice(["", "0", "+", "60", "62", "84", "66", "63", "65", "86", "00", "037"])
        texts.append(f"call {prefix}{digits} or {digits[:4]}-{digits[4:]} ok")
    for lang in ("en", "vi", "zh-Hans", "tl"):
        for text in texts:
            assert find_phones(text, lang) == find_phones(text, lang, precheck=False), (lang, text)
