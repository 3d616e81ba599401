"""Chinese everywhere in the Chinese UI: every page each role reaches, in the states people
meet, carries no English word in its visible text or in the texts it shows on demand (titles,
placeholders, labels, confirmations); ``?lang=en`` is the only way to English.

Allowed: the language switch ("English"), file formats named as such (CSV, XLSX, Excel, JSON; JPEG, PNG, PDF for attachments), and the
data the test itself typed (usernames are Latin letters by nature)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hotline.settings import current_settings
from tests.web.conftest import text
from tests.web.helpers import days_ago, ensure_user, judicial_ticket, make_ticket, to_awaiting_verification

WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED = {"English", "CSV", "XLSX", "Excel", "JSON", "JPEG", "PNG", "PDF"}
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm", "data-draft-restored", "label"}


class _Visible(HTMLParser):
    """The text a person can read: element text (not scripts or styles) and shown attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):  # <code>: identifiers (a department's code), not words
            self._skip += 1
        for name, value in attrs:
            if value and (
                name in SHOWN_ATTRIBUTES or (tag == "input" and name == "value" and ("type", "submit") in attrs)
            ):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(html: str, also_allowed: set[str] = frozenset()) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    found = WORD.findall(" ".join(parser.parts))
    return sorted({w for w in found if w not in ALLOWED and w not in also_allowed})


def _check(browser, urls: list[str], allowed: set[str]) -> None:
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)
        words = english_words(text(response), allowed)
        assert not words, f"English on the Chinese page {url}: {words}"


def test_the_checker_catches_english():
    assert english_words("<p>工单 dispatched</p>") == ["dispatched"]
    assert english_words('<input placeholder="Search">') == ["Search"]
    assert english_words("<script>var x = 1;</script><p>中文</p><a>English</a>") == []


def test_public_pages_are_chinese(pages):
    _check(pages, ["/", "/status", "/login", "/report/received"], set())
    refused = pages.post("/", {"description": "短", "reporter_phone": "12ab"})
    assert refused.status_code == 422 and not english_words(text(refused))


def test_staff_pages_are_chinese_in_every_state(signed_in):
    operator = signed_in("operator", username="op")
    ticket = judicial_ticket()
    waiting = to_awaiting_verification(judicial_ticket(now=days_ago(3)))
    web_report, _secret = make_ticket(ensure_user("op", "operator"), channel="web", auto_dispatch=False, urgency=None)
    names = {"op", "walk", "li", "sup", "boss"}
    _check(
        operator,
        [
            "/operator/",
            "/operator/calls/new",
            "/tickets/",
            f"/tickets/{ticket.id}",
            f"/tickets/{waiting.id}",
            f"/tickets/{web_report.id}",
        ],
        names,
    )
    refused = operator.post("/operator/calls/new", {"channel": "phone", "description": "太短", "reporter_phone": "12"})
    assert refused.status_code == 422 and not english_words(text(refused), names)

    liaison = signed_in("liaison", bureau="public_security", username="li")
    _check(liaison, ["/liaison/", "/liaison/history", f"/tickets/{ticket.id}", f"/tickets/{waiting.id}"], names)

    supervisor = signed_in("supervisor", username="sup")
    _check(
        supervisor,
        ["/supervisor/", "/supervisor/figures", "/supervisor/messages", f"/tickets/{waiting.id}", "/tickets/"],
        names,
    )

    admin = signed_in("admin", username="boss")
    _check(admin, ["/admin/", "/admin/departments/", "/admin/departments/education", "/admin/users/"], names)


def test_working_together_pages_are_chinese(signed_in):
    """Search, notes, attachments, a department taken off, feedback on its behalf, the work
    order, and their refusals: Chinese only."""
    import io

    from hotline.tracking.notes import add_attachment, add_note
    from hotline.tracking.services import add_feedback, request_extension, withdraw_assignment

    names = {"op", "li", "sup", "walk", "png"}  # the file's name as typed (its extension, .png)
    supervisor = signed_in("supervisor", username="sup")
    liaison = signed_in("liaison", bureau="public_security", username="li")
    op, sup, li = ensure_user("op", "operator"), ensure_user("sup", "supervisor"), ensure_user("li", "liaison")
    ticket = judicial_ticket()
    assignment = ticket.assignments[0]
    add_note(ticket.id, "请派出所先联系家长。", actor=op, now=ticket.created_at)
    png = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 48)
    add_attachment(ticket.id, png, "走访照片.png", actor=op, now=ticket.created_at)
    add_feedback(
        assignment.id,
        "派出所电话告知：已出警。",
        False,
        actor=sup,
        now=ticket.created_at,
        on_behalf=True,
        settings=current_settings(),
    )
    request_extension(assignment.id, 2, "需要调取监控", actor=li, now=ticket.created_at, settings=current_settings())
    other = make_ticket(op)[0]
    withdraw_assignment(
        next(a.id for a in other.assignments if a.role == "lead"),
        "改由教育局主办",
        actor=op,
        now=other.created_at,
        settings=current_settings(),
    )

    _check(
        supervisor,
        [
            f"/tickets/{ticket.id}",
            f"/tickets/{ticket.id}/print",
            f"/tickets/{other.id}",
            f"/tickets/{other.id}/print",
            f"/tickets/?q={ticket.number}",
            "/tickets/?q=小明",
        ],
        names,
    )
    refusals = [
        supervisor.post(f"/tickets/{ticket.id}/notes", {"note-body": " "}),
        supervisor.post(f"/tickets/{ticket.id}/attachments", {"upload-file": (io.BytesIO(b"GIF89a"), "x.gif")}),
        supervisor.post(f"/tickets/{ticket.id}/attachments", {}),
        supervisor.post(f"/assignments/{assignment.id}/withdraw", {f"wd{assignment.id}-reason": ""}),
        supervisor.post(
            f"/assignments/{assignment.id}/feedback/on-behalf",
            {f"ob{assignment.id}-summary": "已办结", f"ob{assignment.id}-final": "y"},
        ),  # its extension request waits
        supervisor.get("/tickets/?q=" + "x" * 101),
    ]
    for response in refusals:
        assert response.status_code in (200, 409, 422), response.status_code
        assert not english_words(text(response), names), english_words(text(response), names)
    _check(
        liaison, [f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/print", f"/liaison/search?q={ticket.number}"], names
    )


def test_rules_editor_is_chinese_in_every_state(signed_in):
    """The rules editor (issue 14 point 4): the list, a rule, a new rule, a preview, and refused forms."""
    admin = signed_in("admin", username="boss")
    sample = "?sample-primary=medical&sample-others=education&sample-street=zhengcha&sample-urgency=urgent"
    _check(
        admin,
        ["/admin/rules", "/admin/rules/1", "/admin/rules/6", "/admin/rules/new", "/admin/rules" + sample],
        {"boss"},
    )
    refused = admin.post("/admin/rules/new", {"name": "", "lead": "", "dl_urgent_sign_amount": "x", "action": "save"})
    assert refused.status_code == 422 and not english_words(text(refused), {"boss"})
    pasted = '[{"name": "甲", "then": {"lead": "无此部门"}}]'
    bad_import = admin.post("/admin/rules/import", {"text": pasted})
    assert bad_import.status_code == 422 and not english_words(text(bad_import), {"boss", "name", "then", "lead"})
    bad_order = admin.post("/admin/rules/order", {"order-0": "99", "base_version": "1"})
    assert bad_order.status_code == 422 and not english_words(text(bad_order), {"boss"})
