import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Department, ReferenceCode, Street
from hotline.reference.services import load_file, seed_reference


def counts():
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Department, Street, ReferenceCode)
    )


def test_seed_twice_creates_no_duplicates(app):
    before = counts()
    seed_reference()
    seed_reference()
    assert counts() == before
    # 22 departments from REFERENCE.md plus one street office per pilot street.
    assert before == (22 + 4, 4, 6 + 15 + 3)


def test_seed_applies_edits_and_new_streets(app):
    data = load_file()
    data["streets"].append({"code": "xinhua", "name": "新华镇", "name_en": "Xinhua Town"})
    data["departments"][0]["name"] = "区未成年人社会保护中心（改）"
    seed_reference(data)
    assert db.session.scalar(sa.select(Street).filter_by(code="xinhua")).name == "新华镇"
    assert db.session.scalar(sa.select(Department).filter_by(code="street:xinhua")).kind == "street"
    assert db.session.scalar(sa.select(Department).filter_by(code="protection_center")).name.endswith("（改）")


def test_urgency_deadlines_and_ladder_are_data(app):
    from hotline.reference.services import setting

    normal = db.session.scalar(sa.select(ReferenceCode).filter_by(kind="urgency", code="normal"))
    assert normal.data["feedback"] == {"unit": "days", "amount": 5, "calendar": "working_days"}
    ladder = setting("escalation")["ladder"]
    assert [step["level"] for step in ladder] == [0, 1, 2, 3]


def test_typed_reference_is_built_once_per_reference_version(app):
    from hotline.reference.services import current_reference, reference_version

    first = current_reference()
    assert current_reference() is first and first.version == reference_version()
    data = load_file()
    data["urgencies"][1]["name"] = "较急（改）"
    seed_reference(data)  # a write to the reference data bumps the version: rebuilt once
    second = current_reference()
    assert second is not first and second.version == first.version + 1
    assert second.urgency_name("urgent") == "较急（改）" and current_reference() is second


def test_dispatch_reads_the_same_reference_data_in_a_request_and_outside_one(app):
    """No per-request cache (flask.g): a change made during a request is seen by the next read."""
    from hotline.dispatch.services import reference
    from hotline.reference.services import save_department

    outside = reference()
    with app.test_request_context("/"):
        assert set(reference().departments) == set(outside.departments)
        save_department("night_patrol", {"name": "夜间巡查队", "active": True}, new=True)
        assert "night_patrol" in reference().departments
        assert "night_patrol" in reference().typed.departments
    assert "night_patrol" in reference().departments
