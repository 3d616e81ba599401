"""The typed reference objects (``hotline.tickets.reference``) built from the shipped data file."""

from __future__ import annotations

import pytest

from hotline.reference.services import load_file
from hotline.tickets.reference import build_reference


@pytest.fixture(scope="module")
def ref():
    data = load_file()
    rows = [
        {"code": u["code"], "name": u["name"], "name_en": u.get("name_en", ""), "data": u, "position": i}
        for i, u in enumerate(data["urgencies"])
    ]
    types = [{"code": t["code"], "name": t["name"], "data": t} for t in data["protection_types"]]
    return build_reference(1, rows, types, [{"code": "education", "name": "教育局"}])


def test_urgencies_carry_name_deadlines_calendar_emergency_flag_and_rank(ref):
    urgent = ref.urgency("urgent")
    assert (urgent.name, urgent.name_en, urgent.rank) == ("较急", "Urgent", 1)
    assert urgent.sign == {"unit": "hours", "amount": 2, "calendar": "clock"}
    assert urgent.calendar == "working_days" and urgent.extension_in_working_days
    assert [u.code for u in ref.urgencies.values() if u.emergency] == ["emergency"]
    assert ref.emergency_code() == "emergency" and ref.is_emergency("emergency") and not ref.is_emergency("urgent")


def test_an_undecided_urgency_is_named_undecided_and_ranks_and_is_held_as_the_default_one(ref):
    assert ref.urgency_name(None) == "未定" and ref.urgency_name(None, "en") == "Undecided"
    assert ref.urgency_name("nosuch") == "未定"
    assert ref.rank(None) == ref.rank("normal") > ref.rank("urgent") > ref.rank("emergency")
    assert ref.deadline_urgency(None).code == ref.deadline_urgency("nosuch").code == "normal"


def test_protection_types_and_departments(ref):
    assert ref.protection_types["relief"].name and ref.departments["education"].name == "教育局"


def test_without_a_default_urgency_the_deadlines_cannot_be_guessed():
    with pytest.raises(LookupError):
        build_reference(None, [], [], []).deadline_urgency(None)
