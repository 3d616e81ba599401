"""When two reports look like the same case: table-driven, on unsaved tickets (no database)."""

from __future__ import annotations

import pytest

from hotline.intake.calls import caller_number
from hotline.intake.repeats import match_reasons, normal_phone, normal_text
from hotline.models import Ticket


def ticket(**fields) -> Ticket:
    return Ticket(**fields)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张小花", "张小花"),
        (" 张 小花 ", "张小花"),
        ("ＺＨＡＮＧ Xiao-hua", "zhangxiaohua"),
        ("不详", None),
        ("unknown", None),
        ("张", None),
        ("", None),
        (None, None),
    ],
)
def test_names_are_folded_before_comparing(raw, expected):
    assert normal_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+8613712345678", "13712345678"),
        ("137 1234 5678", "13712345678"),
        ("+86 (137) 1234-5678", "13712345678"),
        ("0431-8888888", "04318888888"),
        ("12345", None),
        ("+266696687", None),  # Twilio's "anonymous"
        ("", None),
        (None, None),
    ],
)
def test_phones_compare_on_their_last_eleven_digits(raw, expected):
    assert normal_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+8613712345678", "+8613712345678"),
        ("+266696687", None),
        ("+7378742833", None),
        ("anonymous", None),
        ("client:alice", None),
        ("13712345678", None),
        ("", None),
        (None, None),
    ],
)
def test_a_caller_number_identifies_someone_only_when_shown(raw, expected):
    assert caller_number(raw) == expected


BASE = {"child_name": "张小花", "child_age": 8, "street_code": "jiangyuan"}


@pytest.mark.parametrize(
    ("new", "old", "reasons"),
    [
        (BASE, BASE, ["child"]),
        (BASE, {**BASE, "child_age": 9}, ["child"]),  # a birthday between the reports
        (BASE, {**BASE, "child_age": 12}, []),  # another child of that name
        (BASE, {**BASE, "street_code": "zhengcha"}, []),
        (
            {"child_name": "张小花", "child_age": 8},
            {"child_name": "张小花", "street_code": "jiangyuan"},
            [],
        ),  # nothing agrees
        (
            {"child_name": "张小花", "street_code": "jiangyuan"},
            {"child_name": "张小花", "child_age": 3, "street_code": "jiangyuan"},
            ["child"],
        ),
        ({"child_name": "不详", "child_age": 8}, {"child_name": "不详", "child_age": 8}, []),
        ({"address": "幸福路12号"}, {"address": "幸福路 12 号。"}, ["address"]),
        (
            {"address": "幸福路12号", "street_code": "jiangyuan"},
            {"address": "幸福路12号", "street_code": "zhengcha"},
            [],
        ),
        ({"address": "12号"}, {"address": "12号"}, []),  # too short to mean one place
        ({"reporter_phone": "+8613712345678"}, {"reporter_phone": "137-1234-5678"}, ["reporter_phone"]),
        ({"reporter_phone": "+266696687"}, {"reporter_phone": "+266696687"}, []),
        (
            {**BASE, "address": "幸福路12号", "reporter_phone": "13712345678"},
            {**BASE, "address": "幸福路12号", "reporter_phone": "+8613712345678"},
            ["child", "address", "reporter_phone"],
        ),
        ({}, {}, []),
    ],
)
def test_match_reasons(new, old, reasons):
    assert match_reasons(ticket(**new), ticket(**old)) == reasons
