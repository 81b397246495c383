import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.normalize import normalize

CASES = [
    ("w h a t s a p p", "whatsapp"),
    ("W.A", "wa"),
    ("l.i.n.e", "line"),
    ("L1NE", "line"),
    ("wh@ts4pp", "whatsapp"),
    ("Te1egram", "telegram"),
    ("加我L1NE", "加我line"),  # Chinese and Thai run on: the word ends where the Latin letters do
    ("แอดwh@ts4pp", "แอดwhatsapp"),
    ("ｗｈａｔｓａｐｐ", "whatsapp"),
    ("Теlеgrаm", "telegram"),  # Cyrillic look-alikes
    ("ᴡʜᴀᴛsᴀᴘᴘ", "whatsapp"),  # small caps
    ("what\u200bs\u200dapp", "whatsapp"),
    ("zero one two three", "0123"),
    ("kosong satu dua tiga", "0123"),
    ("isa dalawa tatlo apat", "1234"),
    ("không một hai ba", "0123"),
    ("ศูนย์แปดหนึ่ง", "081"),
    ("零一二三", "0123"),
    ("①②③", "123"),
    ("1️⃣2️⃣3️⃣", "123"),
    ("๐๘๑", "081"),
    ("chat.whatsapp dot com", "chat.whatsapp.com"),
    ("line titik me", "line.me"),
    ("t点me", "t.me"),
    ("wa.me slash 60123", "wa.me/60123"),
]


@pytest.mark.parametrize("raw,expected", CASES)
def test_evasions_are_undone(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "สวัสดีค่ะ สินค้าจัดส่งแล้วนะคะ",
        "亲，您的订单已发货，请注意查收",
        "親，您的訂單已發貨",
    ],
)
def test_thai_and_chinese_survive(text: str) -> None:
    out = normalize(text).text
    # NFKC may decompose Thai SARA AM; every Thai/Han letter must still be there, none folded to Latin
    assert not any(c.isascii() and c.isalpha() for c in out)
    assert sum(1 for c in out if "\u0e00" <= c <= "\u0e7f" or "\u4e00" <= c <= "\u9fff") >= len(text) - 5


def test_vietnamese_diacritics_fold_but_letters_stay() -> None:
    assert normalize("Đơn hàng của bạn đã được giao").text == "don hang cua ban da duoc giao"


def test_phone_numbers_are_not_leet_folded() -> None:
    assert normalize("+60 12-345 6789").text == "+60 12-345 6789"


def test_codes_are_not_leet_folded() -> None:
    assert normalize("voucher C0D3X").text == "voucher c0d3x"


def test_offsets_point_at_original() -> None:
    raw = "Join ｗ ｈ ａ ｔ ｓ ａ ｐ ｐ group: chat.whatsapp.com/AbC123"
    n = normalize(raw)
    i = n.text.index("chat.whatsapp.com/abc123")
    s, e = n.span(i, i + len("chat.whatsapp.com/abc123"))
    assert raw[s:e] == "chat.whatsapp.com/AbC123"
    j = n.text.index("whatsapp")
    s, e = n.span(j, j + 8)
    assert raw[s:e] == "ｗ ｈ ａ ｔ ｓ ａ ｐ ｐ"


def test_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        normalize(b"bytes")  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_never_raises_and_offsets_stay_inside(text: str) -> None:
    n = normalize(text)
    if n.starts is not None:
        assert len(n.starts) == len(n.text) == len(n.ends)
        assert all(0 <= s <= e <= len(text) for s, e in zip(n.starts, n.ends, strict=True))
        assert list(n.starts) == sorted(n.starts)
    else:
        assert len(n.text) == len(text)
    for a in range(0, len(n.text), 3):
        s, e = n.span(a, min(len(n.text), a + 4))
        assert 0 <= s <= e <= len(text)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("wha tsp.LINE1@4 0zero one kosong satu dua ศูนย์สอง零一二\u200b①Ｗ")))
)
def test_idempotent_on_evasion_alphabet(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_idempotent_on_any_text(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


def test_vietnamese_link_words_with_diacritics() -> None:
    assert normalize("zalo chấm me gạch chéo 0912345678").text == "zalo.me/0912345678"


def _every_char() -> str:
    return "".join(map(chr, range(0x110000)))


def test_gates_hold_every_character_their_rewrites_need() -> None:
    """The stdlib-engine gates skip only rewrites that cannot apply: their classes cover the regex ones."""
    import re

    import regex

    from detector import normalize as n

    chars = _every_char()
    covered = re.compile(r"[A-Za-z\u00aa-\U0010ffff]")
    assert all(covered.fullmatch(c) for c in regex.findall(r"\p{Latin}", chars))
    han = re.compile(r"[\u2e80-\U0003ffff]")
    assert all(han.fullmatch(c) for c in regex.findall(r"\p{Han}", chars))
    assert set(regex.findall(r"[^\S ]", chars)) <= set(re.findall(r"[^\S ]", chars))
    assert regex.findall(n._INVISIBLE.pattern, chars) == n._INVISIBLE_GATE.findall(chars)
    for s in ("a b c", "x.y.z", "薇 信", "中 . 文", "a\tb", "a  b", "a\u2028b", "l1ne"):
        assert n._SPACED_GATE.search(s) or not n._SPACED.search(s)
        assert n._HAN_GAP_GATE.search(s) or not n._HAN_GAP.search(s)
        assert n._SPACES_GATE.search(s) or not regex.search(r"[^\S ]|  ", s)
