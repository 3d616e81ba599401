"""The access-log review page (CONTRACT "Audit"): supervisors and admins see who read which
child's data, by user and by date, in Chinese; a ticket's timeline groups its reads instead of
burying the workflow in them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import AccessLog, User
from tests.web.conftest import text
from tests.web.helpers import make_ticket

AGENT = "Mozilla/5.0 (review test)"


def rows(page: str) -> list[str]:
    """The users of the access-log table's rows, in order."""
    table = page.split('id="access-log"', 1)[1]
    return re.findall(r'<tr data-user="([^"]+)"', table)


def reads() -> int:
    return db.session.scalar(sa.select(sa.func.count(AccessLog.id)))


def test_supervisors_review_reads_by_user_and_by_date(signed_in, login):
    operator_page = signed_in("operator", username="olga")
    api_reader = login("operator", username="otto")
    supervisor = signed_in("supervisor", username="sam")
    olga = db.session.scalar(sa.select(User).filter_by(username="olga"))
    olga.full_name = "张三"
    db.session.commit()
    ticket, _secret = make_ticket(olga)

    for _ in range(2):
        page = operator_page.get(f"/tickets/{ticket.id}", headers={"User-Agent": AGENT})
        assert page.status_code == 200
    assert api_reader.get(f"/api/v1/tickets/{ticket.id}").status_code == 200
    assert reads() == 3

    page = supervisor.get("/supervisor/access-log")
    assert page.status_code == 200
    html = text(page)
    assert "访问记录" in html and "用户" in html  # Chinese first
    assert rows(html) == ["otto", "olga", "olga"]  # newest first
    assert ticket.number in html and "127.0.0.1" in html and AGENT in html
    assert "工单页面" in html and "通过接口查看工单" in html  # how each read happened, in words
    # Reads per user, most first: 张三 2, otto 1.
    readers = html.split('id="readers"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'data-user="([^"]+)"', readers) == ["olga", "otto"]
    assert "张三" in readers
    # Viewing the log is not itself a read of a child's data.
    assert reads() == 3

    by_user = text(supervisor.get("/supervisor/access-log?user=olga"))
    assert rows(by_user) == ["olga", "olga"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # dates are local
    assert rows(text(supervisor.get(f"/supervisor/access-log?from={today}&to={today}"))) == ["otto", "olga", "olga"]
    assert rows(text(supervisor.get("/supervisor/access-log?from=2000-01-01&to=2000-01-02"))) == []
    assert rows(text(supervisor.get(f"/supervisor/access-log?ticket_id={ticket.id}&user=otto"))) == ["otto"]
    assert rows(text(supervisor.get(f"/supervisor/access-log?ticket_id={ticket.id + 1}"))) == []


def test_the_log_pages_by_fifty(signed_in, make_user):
    from hotline.audit import Client, record_access

    supervisor = signed_in("supervisor")
    reader = make_user("reader", "operator")
    ticket, _secret = make_ticket(reader)
    for minute in range(55):
        at = datetime(2026, 11, 30, 8, minute, tzinfo=UTC)
        record_access(reader, via="api", now=at, ticket_id=ticket.id, client=Client("192.0.2.1", "curl/8"))
    db.session.commit()
    first = text(supervisor.get("/supervisor/access-log?user=reader"))
    assert len(rows(first)) == 50 and "1 / 2" in first
    second = text(supervisor.get("/supervisor/access-log?user=reader&page=2"))
    assert len(rows(second)) == 5 and "2 / 2" in second


def test_bad_filters_say_which_in_chinese_and_show_nothing(signed_in, login):
    supervisor = signed_in("supervisor")
    operator = login("operator")
    from tests.api.test_tracking_flow import REPORT

    ticket = operator.post("/api/v1/tickets", json=REPORT).json
    operator.get(f"/api/v1/tickets/{ticket['id']}")
    for query, words in (
        ("from=yesterday", "开始日期"),
        ("to=1800-01-01", "结束日期"),
        ("from=2026-12-02&to=2026-12-01", "开始日期"),
        ("ticket_id=abc", "工单"),
    ):
        page = supervisor.get(f"/supervisor/access-log?{query}")
        assert page.status_code == 422, query
        html = text(page)
        assert words in html and 'class="problems"' in html, query
        assert rows(html) == [], query


def test_only_supervisors_and_admins_open_it_and_their_pages_link_to_it(signed_in, pages):
    for role, bureau in (("operator", None), ("liaison", "education")):
        assert signed_in(role, bureau=bureau).get("/supervisor/access-log").status_code == 403
    refused = pages.get("/supervisor/access-log")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    for role, home in (("supervisor", "/supervisor/"), ("admin", "/admin/")):
        browser = signed_in(role)
        assert 'href="/supervisor/access-log"' in text(browser.get(home)), role
        assert browser.get("/supervisor/access-log").status_code == 200, role
    assert 'href="/supervisor/access-log"' not in text(signed_in("operator").get("/operator/"))


def test_the_supervisors_timeline_groups_reads_between_the_steps(signed_in, login):
    operator = signed_in("operator", username="olga")
    supervisor = signed_in("supervisor", username="sam")
    liaison = signed_in("liaison", bureau="civil_affairs", username="li")
    api_reader = login("operator", username="otto")
    olga = db.session.scalar(sa.select(User).filter_by(username="olga"))
    ticket, _secret = make_ticket(olga)
    for _ in range(5):
        assert operator.get(f"/tickets/{ticket.id}").status_code == 200
    [civil] = [a for a in ticket.assignments if a.department.code == "civil_affairs"]
    assert liaison.post(f"/assignments/{civil.id}/accept").status_code == 302  # a workflow step
    api_reader.get(f"/api/v1/tickets/{ticket.id}")
    api_reader.get(f"/api/v1/tickets/{ticket.id}")

    html = text(supervisor.get(f"/tickets/{ticket.id}"))
    timeline = html.split('id="h-timeline"', 1)[1].split("</ol>", 1)[0]
    # Every workflow step keeps its own entry, in order...
    steps = re.findall(r"<li><time[^>]*>[^<]*</time>\s*<p><strong>([^<]+)</strong>", timeline)
    assert steps[0] == "登记受理" and "已签收" in steps and steps[-1] == "开始办理", steps
    # ...and the reads between two steps are one block, one line per reader: how often, when last, how.
    blocks = timeline.split('<li class="reads">')[1:]
    assert len(blocks) == 2
    assert re.search(r"olga \(话务员\) 查看完整记录 5 次，最近 \d{4}-\d\d-\d\d \d\d:\d\d · 工单页面", blocks[0])
    assert "<details>" not in blocks[0]  # one reader: one line
    assert "已签收" in blocks[0].split("</li>", 1)[1]  # the sign-for step comes between the two blocks
    assert "2 人查看了完整记录，共 3 次" in blocks[1]  # several readers: collapsed under one line
    assert re.search(r"otto \(话务员\) 查看完整记录 2 次，最近 .* · 通过接口查看工单", blocks[1])
    assert re.search(r"sam \(督办员\) 于 \d{4}-\d\d-\d\d \d\d:\d\d 查看完整记录 · 工单页面", blocks[1])
    assert f'href="/supervisor/access-log?ticket_id={ticket.id}"' in html

    # Neither the operator nor a department sees who read the ticket.
    for browser in (operator, liaison):
        page = text(browser.get(f"/tickets/{ticket.id}"))
        assert "查看完整记录" not in page and "/supervisor/access-log" not in page


def test_corrections_and_redactions_read_as_steps_naming_fields_not_values(signed_in, login):
    supervisor = signed_in("supervisor")
    operator = login("operator", username="otto")
    admin = login("admin", username="root")
    from tests.api.test_tracking_flow import create

    ticket = create(operator)
    fixed = operator.patch(f"/api/v1/tickets/{ticket['id']}", json={"child": {"name": "李小华"}})
    assert fixed.status_code == 200, fixed.json
    removed = admin.post(
        f"/api/v1/tickets/{ticket['id']}/redact", json={"fields": ["reporter"], "reason": "报告人要求删除"}
    )
    assert removed.status_code == 200, removed.json

    timeline = text(supervisor.get(f"/tickets/{ticket['id']}")).split('id="h-timeline"', 1)[1].split("</ol>", 1)[0]
    assert "更正信息" in timeline and "涉及：儿童姓名" in timeline
    assert "管理员删除个人信息" in timeline and "涉及：报告人信息" in timeline and "报告人要求删除" in timeline
    assert "李小华" not in timeline and "其他记录" not in timeline


def test_the_review_page_and_a_read_ticket_speak_chinese_alone(signed_in, login):
    from tests.web.test_chinese_only import english_words

    supervisor = signed_in("supervisor", username="sam")
    admin = signed_in("admin", username="boss")
    operator = signed_in("operator", username="olga")
    ticket, _secret = make_ticket(db.session.scalar(sa.select(User).filter_by(username="olga")))
    operator.get(f"/tickets/{ticket.id}", headers={"User-Agent": AGENT})
    login("operator", username="otto").get(f"/api/v1/tickets/{ticket.id}", headers={"User-Agent": AGENT})
    data = {"sam", "boss", "olga", "otto", "Mozilla", "review", "test", "Werkzeug"}  # names and user agents
    for browser, url in (
        (supervisor, "/supervisor/access-log"),
        (admin, "/supervisor/access-log?user=olga"),
        (supervisor, f"/supervisor/access-log?ticket_id={ticket.id}"),
        (supervisor, "/supervisor/access-log?from=nonsense"),
        (supervisor, f"/tickets/{ticket.id}"),
    ):
        page = browser.get(url)
        assert page.status_code in (200, 422), url
        assert not english_words(text(page), data), (url, english_words(text(page), data))
