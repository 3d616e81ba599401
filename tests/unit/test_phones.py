"""How typed phone numbers become the E.164 the service stores (table-driven, pure)."""

from __future__ import annotations

import pytest

from hotline.phones import normalise_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800000000", "+8613800000000"),
        ("138 0000 0000", "+8613800000000"),
        ("138-0000-0000", "+8613800000000"),
        (" 15912345678 ", "+8615912345678"),
        ("8613800000000", "+8613800000000"),
        ("008613800000000", "+8613800000000"),
        ("+86 138 0000 0000", "+8613800000000"),
        ("+8613800000000", "+8613800000000"),
        ("024-12345678", "+862412345678"),
        ("(010) 8888 6666", "+861088886666"),
        ("+14155550100", "+14155550100"),
        ("12345", None),
        ("1380000000", None),  # ten digits: a mistyped mobile, not a landline
        ("23800000000", None),
        ("call me", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_phone(typed, stored):
    assert normalise_phone(typed) == stored
