"""The batch char-n-gram hashing: every n-gram of every padded text, none spanning two texts, each in the
column the one-gram hash gives it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.char_hashing import gram_column, gram_columns, padded


def _reference(texts: list[str], lo: int, hi: int, bits: int) -> list[tuple[int, int]]:
    out = []
    for row, text in enumerate(texts):
        p = padded(text)
        for n in range(lo, hi + 1):
            out.extend((row, gram_column(p[i : i + n], bits)) for i in range(len(p) - n + 1))
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=6), st.integers(1, 3), st.integers(0, 2))
def test_batch_equals_one_gram_at_a_time(texts: list[str], lo: int, extra: int) -> None:
    hi = lo + extra
    rows, cols = gram_columns(texts, lo, hi, 12)
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == _reference(texts, lo, hi, 12)
    assert cols.size == 0 or (cols.min() >= 0 and cols.max() < 2**12)


def test_texts_do_not_leak_into_each_other() -> None:
    alone = gram_columns(["abcdef"], 2, 5, 18)[1]
    rows, cols = gram_columns(["xyz", "abcdef", "uvw"], 2, 5, 18)
    assert np.array_equal(np.sort(cols[rows == 1]), np.sort(alone))


def test_spreads_and_separates() -> None:
    text = "the quick brown fox jumps over the lazy dog 0123456789 亲加微信 สวัสดีค่ะ"
    _, cols = gram_columns([text], 4, 4, 18)
    assert len(set(cols.tolist())) >= 0.95 * len(cols)  # distinct 4-grams rarely collide
    assert gram_column("ab", 18) != gram_column("ba", 18)  # order matters


def test_rejects_a_bad_range() -> None:
    with pytest.raises(ValueError, match="n-gram range"):
        gram_columns(["x"], 0, 7, 18)
