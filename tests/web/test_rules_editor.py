"""The dispatch rules editor as an administrator uses it: the rules in words, pickers, order,
delete, JSON import and export, and the preview beside the rule. Every change is a new
rules version made by the rules service, exactly as ``PUT /api/v1/rules`` makes it."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import sqlalchemy as sa

from hotline.dispatch.services import get_rules
from hotline.extensions import db
from hotline.models import RuleSet, User
from tests.web.conftest import text
from tests.web.test_chinese_only import english_words
from tests.web.test_labels import check as check_labels


class _FormReader(HTMLParser):
    """What a browser would send for one form: checked boxes, chosen options, typed text."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_of(html: str, form_id: str = "rule-form") -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    found: dict[str, list[str]] = {}
    for name, value in reader.fields:
        found.setdefault(name, []).append(value)
    return found


def post(browser, url, fields: dict, **changes):
    data = {k: v for k, v in fields.items() if k != "csrf_token"} | changes
    return browser.post(url, {k: v for k, v in data.items() if v is not None})


def between(html: str, start: str, end: str = "</ul>") -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_list_shows_every_rule_in_order_in_words(signed_in):
    admin = signed_in("admin", username="boss")
    rules = get_rules()["rules"]
    html = text(admin.get("/admin/rules"))
    assert html.count('class="rule-card') == len(rules)
    first = between(html, 'id="rule-1"', "</li>")
    assert "救助保护默认规则" in first and "主要保护类型：救助保护" in first
    assert "区民政局" in first and "儿童所在街道办事处" in first and "还有教育保护时：区教育局" in first
    assert html.index('id="rule-1"') < html.index('id="rule-2"') < html.index('id="rule-6"')
    assert not english_words(html, {"boss"})  # no codes, no English: civil_affairs is 区民政局 everywhere
    assert 'href="/admin/rules/export"' in html and 'action="/admin/rules/import"' in html


def test_create_a_rule_with_the_pickers(signed_in):
    admin = signed_in("admin", username="boss")
    page = text(admin.get("/admin/rules/new"))
    fields = form_of(page)
    assert fields["position"] == [str(len(get_rules()["rules"]) + 1)]
    response = post(
        admin,
        "/admin/rules/new",
        fields,
        name="流浪儿童先送救助站",
        when_subject_categories=["street_child"],
        when_urgencies=["emergency", "urgent"],
        lead="relief_station",
        assist=["street", "public_security"],
        position="1",
        dl_emergency_sign_amount="15",
        dl_emergency_sign_unit="minutes",
        action="save",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/rules#rule-1")
    current = get_rules()
    assert current["version"] == 2 and current["created_by"] == "boss"
    assert current["rules"][0] == {
        "name": "流浪儿童先送救助站",
        "when": {"subject_categories": ["street_child"], "urgencies": ["emergency", "urgent"]},
        "then": {
            "lead": "relief_station",
            "assist": ["street", "public_security"],
            "deadlines": {"emergency": {"sign": {"unit": "minutes", "amount": 15, "calendar": "clock"}}},
        },
    }
    listing = text(admin.get("/admin/rules"))
    card = between(listing, 'id="rule-1"', "</li>")
    assert "流浪儿童先送救助站" in card and "儿童类别：流浪儿童" in card and "紧急程度：紧急、较急" in card
    assert "区救助管理站" in card and "签收时限 15 分钟" in card
    assert "第 2 版" in listing


def test_edit_a_rule_and_saving_it_unchanged_makes_no_version(signed_in):
    admin = signed_in("admin")
    fields = form_of(text(admin.get("/admin/rules/3")))
    assert fields["when_primary_protection_type"] == ["judicial"] and fields["lead"] == ["public_security"]
    assert "public_security" not in fields["description"][0]  # the note names departments by name
    unchanged = post(admin, "/admin/rules/3", fields, action="save")
    assert unchanged.status_code == 302 and get_rules()["version"] == 1
    changed = post(
        admin,
        "/admin/rules/3",
        fields,
        lead="procuratorate",
        assist=["street", "justice"],
        dl_normal_feedback_amount="3",
        dl_normal_feedback_unit="working_days",
        action="save",
    )
    assert changed.status_code == 302
    rule = get_rules()["rules"][2]
    assert rule["name"] == "default-judicial" and rule["description"] == get_rules(1)["rules"][2]["description"]
    assert rule["then"]["lead"] == "procuratorate" and rule["then"]["assist"] == ["street", "justice"]
    assert rule["then"]["deadlines"] == {
        "normal": {"feedback": {"unit": "days", "amount": 3, "calendar": "working_days"}}
    }
    assert rule["then"]["assist_for_other_types"] == get_rules(1)["rules"][2]["then"]["assist_for_other_types"]
    assert get_rules()["version"] == 2 and admin.get("/admin/rules/99").status_code == 404
    stale = post(admin, "/admin/rules/3", fields, name="改名", action="save")  # built on version 1
    html = text(stale)
    assert stale.status_code == 409 and "规则已被修改（当前版本 2）" in html and get_rules()["version"] == 2
    assert form_of(html)["name"] == ["改名"] and form_of(html)["base_version"] == ["1"]  # kept; still about v1


def test_errors_stay_beside_their_field_with_what_was_typed(signed_in):
    admin = signed_in("admin")
    fields = form_of(text(admin.get("/admin/rules/2")))
    duplicate = post(
        admin, "/admin/rules/2", fields, name="default-relief", assist=["justice"], dl_urgent_sign_amount="abc",
        dl_urgent_sign_unit="hours", action="save",
    )  # fmt: skip
    html = text(duplicate)
    assert duplicate.status_code == 422 and get_rules()["version"] == 1
    assert "请填写 1 到 10000 之间的整数" in between(html, 'id="dl_urgent_sign_amount-errors"')
    kept = form_of(html)
    assert kept["name"] == ["default-relief"] and kept["assist"] == ["justice"]
    assert kept["dl_urgent_sign_amount"] == ["abc"] and '<details class="card" id="deadlines" open>' in html

    fields = form_of(html) | {"dl_urgent_sign_amount": "", "dl_urgent_sign_unit": ""}
    refused = post(admin, "/admin/rules/2", fields, action="save")
    html = text(refused)
    assert refused.status_code == 422 and "名称重复（与第1条规则同名）" in between(html, 'id="name-errors"')
    assert 'aria-describedby="name-errors"' in html  # the field says where its error is, for focus and readers
    no_lead = post(admin, "/admin/rules/2", form_of(html), name="教育保护", lead="", action="save")
    assert no_lead.status_code == 422 and "主办部门必填" in between(text(no_lead), 'id="lead-errors"')
    bad_place = post(admin, "/admin/rules/2", form_of(html), name="教育保护", position="0", action="save")
    assert bad_place.status_code == 422 and "1 到 6" in between(text(bad_place), 'id="position-errors"')
    assert not english_words(text(no_lead), {"admin", "web"}) and get_rules()["version"] == 1


def test_reorder_with_buttons_and_numbers(signed_in):
    admin = signed_in("admin")
    names = [r["name"] for r in get_rules()["rules"]]
    order = form_of(text(admin.get("/admin/rules")), "order-form")
    up = post(admin, "/admin/rules/order", order, move="1:up")
    assert up.status_code == 302 and up.headers["Location"].endswith("#rule-1")
    assert [r["name"] for r in get_rules()["rules"]] == [names[1], names[0], *names[2:]]

    order = form_of(text(admin.get("/admin/rules")), "order-form")
    assert order["order-5"] == ["6"]
    numbered = post(admin, "/admin/rules/order", order, **{"order-5": "1"})
    assert numbered.status_code == 302
    assert [r["name"] for r in get_rules()["rules"]] == [names[5], names[1], names[0], *names[2:5]]
    assert get_rules()["version"] == 3

    order = form_of(text(admin.get("/admin/rules")), "order-form")
    bad = post(admin, "/admin/rules/order", order, **{"order-2": "9"})
    html = text(bad)
    assert bad.status_code == 422 and "1 到 6" in between(html, 'id="order-2-errors"')
    assert form_of(html, "order-form")["order-2"] == ["9"] and get_rules()["version"] == 3

    stale = post(admin, "/admin/rules/order", order | {"base_version": "1"}, move="2:down")
    assert stale.status_code == 409 and "规则已被修改" in text(stale) and get_rules()["version"] == 3
    assert form_of(text(stale), "order-form")["base_version"] == ["1"]
    assert admin.post("/admin/rules/order", {"move": "1:up"}, csrf=False).status_code == 303


def test_delete_a_rule(signed_in):
    admin = signed_in("admin")
    before = get_rules()["rules"]
    page = text(admin.get("/admin/rules/2"))
    assert 'action="/admin/rules/2/delete"' in page and "data-confirm=" in page
    response = admin.post("/admin/rules/2/delete", {"base_version": "1"}, follow_redirects=True)
    assert "已删除第2条规则「教育保护默认规则」" in text(response)
    assert get_rules()["rules"] == [before[0], *before[2:]] and get_rules()["version"] == 2
    assert admin.post("/admin/rules/9/delete", {"base_version": "2"}).status_code == 404


def test_import_and_export_json(signed_in):
    admin = signed_in("admin")
    exported = admin.get("/admin/rules/export")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="dispatch-rules-v1.json"'
    body = json.loads(text(exported))
    assert body == {"version": 1, "rules": get_rules()["rules"]}

    same = admin.post("/admin/rules/import", {"file": (io.BytesIO(text(exported).encode()), "rules.json")})
    assert same.status_code == 302 and get_rules()["version"] == 1

    body["rules"] = list(reversed(body["rules"]))
    good = admin.post(
        "/admin/rules/import", {"file": (io.BytesIO(json.dumps(body).encode()), "rules.json")}, follow_redirects=True
    )
    assert "规则已导入，保存为第 2 版" in text(good)
    assert get_rules()["rules"] == body["rules"] and get_rules()["created_by"].startswith("web-admin")
    assert json.loads(text(admin.get("/admin/rules/export?version=1")))["version"] == 1
    assert admin.get("/admin/rules/export?version=99999999999").status_code == 404


def test_import_errors_name_the_rule_and_the_field_in_chinese(signed_in):
    admin = signed_in("admin")
    broken = '{"rules": [\n  {"name": "x",\n  "when": {}\n]}'
    syntax = admin.post("/admin/rules/import", {"text": broken})
    html = text(syntax)
    assert syntax.status_code == 422 and "不是有效的 JSON：请检查第 4 行" in between(html, 'id="import-errors"')
    assert between(html, 'id="import-text"', "</textarea>").endswith(broken.replace('"', "&#34;"))
    assert '<details id="import" open>' in html

    rules = get_rules()["rules"]
    rules[1] = dict(rules[1], then=dict(rules[1]["then"], lead="bogus_bureau"))
    rules[3] = dict(rules[3], when={"urgencies": ["soon"]})
    raw = json.dumps(rules)  # \u-escaped, as some tools write JSON
    wrong = admin.post("/admin/rules/import", {"file": (io.BytesIO(raw.encode()), "r.json")})
    errors = between(text(wrong), 'id="import-errors"')
    assert wrong.status_code == 422 and get_rules()["version"] == 1
    assert "第2条规则「教育保护默认规则」·主办部门：未知部门：bogus_bureau" in errors
    assert "第4条规则「就业保护默认规则」·紧急程度：未知代码：soon" in errors
    assert not english_words(text(wrong), {"admin", "web"} | _words_of(raw))
    not_rules = admin.post("/admin/rules/import", {"text": '{"version": 3}'})
    assert not_rules.status_code == 422 and "JSON 须为规则列表" in text(not_rules)
    assert admin.post("/admin/rules/import", {"text": "[]"}, csrf=False).status_code == 303


def _words_of(raw: str) -> set[str]:
    """The file's text is kept in the box to be mended: its words are the person's own."""
    return set(re.findall(r"[A-Za-z]{2,}", raw))


def test_preview_beside_the_list_and_the_rule(signed_in):
    admin = signed_in("admin", username="boss")
    html = text(admin.get("/admin/rules?sample-primary=medical&sample-street=zhengcha&sample-urgency=urgent"))
    shown = between(html, 'id="preview-departments"')
    assert "区医保局" in shown and "正岔街道办事处" in shown and "由第5条规则决定" in html
    token = admin.post_json("/api/v1/auth/tokens", {"username": "boss", "password": "secret-pw-long"}).get_json()
    api = admin.client.post(
        "/api/v1/dispatch/preview",
        json={"protection_types": ["medical"], "location": {"street": "zhengcha"}, "urgency": "urgent"},
        headers={"Authorization": f"Bearer {token['token']}"},
    )  # the API's preview, the same service the page asks
    assert [a["bureau"] for a in api.get_json()["assignments"]] == ["medical_insurance", "street:zhengcha"]
    fragment = admin.get("/admin/rules?sample-primary=judicial", headers={"X-Requested-With": "fetch"})
    assert "区公安局" in text(fragment) and "<html" not in text(fragment)

    fields = form_of(text(admin.get("/admin/rules/3")))
    tried = post(admin, "/admin/rules/3", fields, lead="court", action="preview", **{"sample-primary": "judicial"})
    assert tried.status_code == 200 and "区法院" in between(text(tried), 'id="preview-departments"')
    assert form_of(text(tried))["lead"] == ["court"] and get_rules()["version"] == 1  # kept, not saved
    live = admin.post(
        "/admin/rules/3",
        {**{k: v for k, v in fields.items() if k != "csrf_token"}, "lead": "justice", "sample-primary": "judicial"},
        headers={"X-Requested-With": "fetch"},
    )
    assert "区司法局" in text(live) and "<form" not in text(live) and get_rules()["version"] == 1


def test_every_change_is_a_stored_version_by_its_author(signed_in):
    admin = signed_in("admin", username="rule-keeper")
    post(admin, "/admin/rules/order", form_of(text(admin.get("/admin/rules")), "order-form"), move="0:down")
    admin.post("/admin/rules/1/delete", {"base_version": "2"})
    rows = db.session.execute(
        sa.select(RuleSet.version, User.username).join(User, User.id == RuleSet.created_by_id).order_by(RuleSet.version)
    ).all()
    assert [tuple(r) for r in rows] == [(2, "rule-keeper"), (3, "rule-keeper")]
    assert get_rules(3)["rules"][0]["name"] == "default-relief"


def test_every_picker_has_a_label_and_english_is_there_on_request(signed_in):
    admin = signed_in("admin")
    for url in ("/admin/rules", "/admin/rules/1", "/admin/rules/new"):
        check_labels(text(admin.get(url)), url)
    refused = admin.post("/admin/rules/1", {"name": "", "lead": "", "dl_normal_sign_amount": "x", "action": "save"})
    check_labels(text(refused), "/admin/rules/1 refused")
    english = text(admin.get("/admin/rules/1?lang=en"))
    assert "Lead department" in english and "Try it" in english and "default rule for" in english
    refused = admin.post("/admin/rules/import?lang=en", {"text": '[{"name": "x", "then": {"lead": "nowhere"}}]'})
    assert "Rule 1 “x”·Lead department: unknown department &#39;nowhere&#39;" in text(refused)


def test_a_department_switched_off_is_named_and_shown_where_rules_still_use_it(signed_in):
    from hotline.reference.services import save_department

    admin = signed_in("admin")
    save_department("employment", {"name": "区就业局", "name_en": "Employment Bureau", "active": False}, new=False)
    listing = text(admin.get("/admin/rules"))
    assert "区就业局（已停用）" in between(listing, 'id="rule-4"', "</li>")
    page = text(admin.get("/admin/rules/4"))
    assert form_of(page)["lead"] == ["employment"]  # kept, named, not silently dropped
    assert '<option selected value="employment">区就业局（已停用）</option>' in page
    refused = post(admin, "/admin/rules/4", form_of(page), lead="hrss", action="save")
    html = text(refused)
    assert refused.status_code == 422 and get_rules()["version"] == 1  # the other rules still name it
    assert "第1条规则「救助保护默认规则」·还有就业保护时另加的协办部门：未知部门：区就业局（已停用）" in html
    first = text(admin.get("/admin/rules/1"))
    refused = post(admin, "/admin/rules/1", form_of(first), assist=["street", "justice"], action="save")
    html = text(refused)
    assert refused.status_code == 422 and "未知部门：区就业局（已停用）" in between(
        html, 'id="extra_employment-errors"'
    )
    assert '<details class="sub" id="extra_employment-section" open>' in html  # its section opens
    assert form_of(html)["assist"] == ["street", "justice"]
