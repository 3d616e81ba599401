"""Administration: departments and contacts, users (the rules editor: test_rules_editor.py)."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Department, User
from tests.web.conftest import text


def test_departments_and_contacts(signed_in):
    admin = signed_in("admin")
    listing = text(admin.get("/admin/departments/"))
    assert "区教育局" in listing and "street:jiangyuan" in listing
    form = text(admin.get("/admin/departments/education"))
    assert '<label for="liaison_phones"' in form and '<label for="head_phones"' in form
    bad = admin.post("/admin/departments/education", {"liaison_phones": "12345", "head_phones": ""})
    assert bad.status_code == 422 and 'id="liaison_phones-errors"' in text(bad)
    ok = admin.post(
        "/admin/departments/education",
        {"liaison_phones": "+8613800000001\n+8613800000002", "head_phones": "+8613900000003"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    department = db.session.scalar(sa.select(Department).filter_by(code="education"))
    assert department.liaison_phones == ["+8613800000001", "+8613800000002"] and department.head_phones == [
        "+8613900000003"
    ]
    assert admin.get("/admin/departments/nope").status_code == 404
    assert admin.post("/admin/departments/education", {"liaison_phones": ""}, csrf=False).status_code == 303


def test_users_create_and_switch_off(signed_in):
    admin = signed_in("admin", username="boss")
    response = admin.post(
        "/admin/users/",
        {
            "username": "li-edu",
            "role": "liaison",
            "bureau": "education",
            "phone": "+8613800000005",
            "password": "pw-123456-long",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    created = db.session.scalar(sa.select(User).filter_by(username="li-edu"))
    assert created.role == "liaison" and created.bureau == "education"
    duplicate = admin.post("/admin/users/", {"username": "li-edu", "role": "operator", "password": "x"})
    assert duplicate.status_code == 422 and 'id="username-errors"' in text(duplicate)
    no_bureau = admin.post("/admin/users/", {"username": "li2", "role": "liaison", "password": "x"})
    assert no_bureau.status_code == 422 and 'id="bureau-errors"' in text(no_bureau)
    assert admin.post(f"/admin/users/{created.id}/active", {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, created.id).active is False
    me = db.session.scalar(sa.select(User).filter_by(username="boss"))
    refused = admin.post(f"/admin/users/{me.id}/active", {"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in text(refused)
    assert (
        admin.post("/admin/users/", {"username": "x", "role": "operator", "password": "x"}, csrf=False).status_code
        == 303
    )


def test_admin_pages_are_for_admins_only(signed_in):
    supervisor = signed_in("supervisor")
    for url in ("/admin/", "/admin/departments/", "/admin/users/", "/admin/rules", "/admin/departments/education"):
        assert supervisor.get(url).status_code == 403, url
    assert supervisor.post("/admin/users/", {"username": "x", "role": "admin", "password": "x"}).status_code == 403


def test_departments_and_streets_are_edited_in_the_pages_and_kept_by_the_seed(signed_in):
    from hotline.models import Street
    from hotline.reference.services import reference_version, seed_reference

    admin = signed_in("admin")
    page = text(admin.get("/admin/departments/"))
    assert "区税务局" in page and "区卫生健康局" in page and "区市场监督管理局" in page and "区国税局" not in page
    before = reference_version()
    renamed = admin.post(
        "/admin/departments/health/details",
        {"department-name": "区卫生健康委员会", "department-name_en": "Health Commission", "department-active": "y"},
    )
    assert renamed.status_code == 302
    added = admin.post(
        "/admin/departments/new",
        {"department-code": "veterans", "department-name": "区退役军人事务局", "department-active": "y"},
    )
    assert added.status_code == 302
    bad = admin.post("/admin/departments/new", {"department-code": "Bad Code", "department-name": ""})
    assert (
        bad.status_code == 422
        and 'id="department-code-errors"' in text(bad)
        and 'id="department-name-errors"' in text(bad)
    )
    street = admin.post(
        "/admin/streets/new", {"street-code": "xinhua", "street-name": "新华街道", "street-active": "y"}
    )
    assert street.status_code == 302
    off = admin.post("/admin/streets/zhengcha", {"street-name": "正岔街道", "street-name_en": "Zhengcha"})  # unticked
    assert off.status_code == 302
    assert reference_version() > before

    seed_reference()  # `make run` seeds again: the administrator's edits stay
    db.session.expire_all()
    health = db.session.scalar(sa.select(Department).filter_by(code="health"))
    assert health.name == "区卫生健康委员会"
    assert db.session.scalar(sa.select(Department).filter_by(code="veterans")).active
    assert db.session.scalar(sa.select(Department).filter_by(code="street:xinhua")).name == "新华街道办事处"
    assert not db.session.scalar(sa.select(Street).filter_by(code="zhengcha")).active
    assert not db.session.scalar(sa.select(Department).filter_by(code="street:zhengcha")).active
    assert "新华街道" in text(admin.get("/admin/departments/"))


def test_users_are_edited_reset_and_change_their_own_password(signed_in, make_user):
    from hotline.auth.services import authenticate

    admin = signed_in("admin", username="boss")
    li_pages = signed_in("liaison", bureau="education", username="li2")  # the old password's web session
    li = db.session.scalar(sa.select(User).filter_by(username="li2"))
    assert li_pages.get("/liaison/").status_code == 200
    form = text(admin.get(f"/admin/users/{li.id}"))
    assert 'id="user-form"' in form and "姓名" in form
    saved = admin.post(
        f"/admin/users/{li.id}",
        {"full_name": "李明", "role": "liaison", "bureau": "health", "phone": "139 0000 1111"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    li = db.session.get(User, li.id)
    assert (li.full_name, li.bureau, li.phone) == ("李明", "health", "+8613900001111")
    refused = admin.post(f"/admin/users/{li.id}", {"role": "liaison", "bureau": "", "phone": "12"})
    assert refused.status_code == 422
    page = text(refused)
    assert 'id="bureau-errors"' in page and 'id="phone-errors"' in page and "--bureau" not in page
    assert page.count("手机号格式有误") == 1  # one phone error, beside its field

    short = admin.post(f"/admin/users/{li.id}/password", {"password": "short"})
    assert short.status_code == 422 and 'id="password-errors"' in text(short)
    assert admin.post(f"/admin/users/{li.id}/password", {"password": "a-brand-new-pw"}).status_code == 302
    db.session.expire_all()
    assert authenticate("li2", "a-brand-new-pw").id == li.id
    assert li_pages.get("/liaison/").status_code == 302  # a reset ends the old sessions at once

    me = db.session.scalar(sa.select(User).filter_by(username="boss"))
    users = text(admin.get("/admin/users/"))
    own_row = users.split(f'id="user-{me.id}"')[1].split("</tr>")[0]
    assert "停用" not in own_row  # no button to switch off one's own account
    own_role = admin.post(f"/admin/users/{me.id}", {"role": "operator"})
    assert own_role.status_code == 422 and "不能修改自己的角色" in text(own_role)

    wrong = admin.post(
        "/account/password", {"current": "nope", "password": "another-long-pw", "again": "another-long-pw"}
    )
    assert wrong.status_code == 422 and 'id="current-errors"' in text(wrong)
    differ = admin.post("/account/password", {"current": "secret-pw-long", "password": "another-long-pw", "again": "x"})
    assert differ.status_code == 422 and "不一致" in text(differ)
    done = admin.post(
        "/account/password", {"current": "secret-pw-long", "password": "another-long-pw", "again": "another-long-pw"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert authenticate("boss", "another-long-pw").id == me.id
