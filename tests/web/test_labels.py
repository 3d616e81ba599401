"""Every form field on every page has a <label>, ids are unique, and the pages load nothing
from elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from hotline.intake.calls import record_call
from hotline.settings import current_settings
from hotline.tracking.services import accept_assignment, request_extension
from tests.web.helpers import ensure_user, judicial_ticket, make_ticket, walk_to_closed

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str | None, bool]] = []  # (tag, id, inside a label)
        self.labels: set[str] = set()
        self.ids: list[str] = []
        self.external: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "label":
            self.depth += 1
            if a.get("for"):
                self.labels.add(a["for"])
        elif tag in ("select", "textarea") or (tag == "input" and a.get("type", "text") not in UNLABELLED_TYPES):
            self.fields.append((tag, a.get("id"), self.depth > 0))
        for name in ("src", "href"):
            if tag in ("script", "link", "img") and (a.get(name) or "").startswith(("http:", "https:", "//")):
                self.external.append(a[name])

    def handle_endtag(self, tag):
        if tag == "label":
            self.depth -= 1


def check(html: str, where: str) -> None:
    page = Fields()
    page.feed(html)
    unlabelled = [(tag, ident) for tag, ident, wrapped in page.fields if not wrapped and ident not in page.labels]
    assert not unlabelled, f"{where}: fields without a label: {unlabelled}"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"{where}: duplicate ids {duplicates}"
    assert not page.external, f"{where}: loads from elsewhere: {page.external}"


def test_every_field_on_every_page_has_a_label(pages, signed_in):
    now = datetime.now(UTC)
    for url in ("/", "/status", "/login", "/?lang=en"):
        check(pages.get(url).get_data(as_text=True), url)
    # Data that makes every form appear somewhere.
    operator = signed_in("operator", username="op")
    liaison = signed_in("liaison", bureau="public_security")
    supervisor = signed_in("supervisor")
    admin = signed_in("admin")
    record_call("CA1", "+8613500000001", "+8610000000", now)
    new_ticket, _ = make_ticket(ensure_user("op", "operator"), auto_dispatch=False, channel="web")
    working = judicial_ticket()
    accept_assignment(
        working.assignments[0].id,
        actor=ensure_user("walk-li", "liaison", bureau="public_security"),
        now=now,
        settings=current_settings(),
    )
    request_extension(
        working.assignments[0].id,
        2,
        "需要协调",
        actor=ensure_user("walk-li", "liaison"),
        now=now,
        settings=current_settings(),
    )
    pending = judicial_ticket()
    closed = walk_to_closed()
    visits = {
        operator: [
            "/operator/",
            "/operator/calls/new",
            "/operator/calls/new?call_sid=CA1",
            "/tickets/",
            f"/tickets/{new_ticket.id}",
            f"/tickets/{closed.id}",
            f"/tickets/{working.id}",
        ],
        liaison: ["/liaison/", f"/tickets/{working.id}", f"/tickets/{pending.id}"],
        supervisor: ["/supervisor/", "/supervisor/figures", f"/tickets/{working.id}", f"/tickets/{closed.id}"],
        admin: ["/admin/", "/admin/departments/", "/admin/departments/education", "/admin/users/", "/admin/rules"],
    }
    for browser, urls in visits.items():
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, url
            check(response.get_data(as_text=True), url)


def test_pages_send_a_strict_content_security_policy(pages, signed_in):
    public = pages.get("/")
    assert "default-src 'self'" in public.headers["Content-Security-Policy"]
    assert "Cache-Control" not in public.headers or public.headers["Cache-Control"] != "no-store"
    staff = signed_in("operator").get("/operator/")
    assert (
        staff.headers["Cache-Control"] == "no-store" and "script-src 'self'" in staff.headers["Content-Security-Policy"]
    )
    assert "Content-Security-Policy" not in pages.get("/api/v1/reference").headers


def test_every_way_of_reading_a_record_has_a_name():
    """Each ``via`` the code writes to the access log reads as words on the review page and the
    timeline (a new one with no name would show its code in a Chinese page)."""
    import re
    from pathlib import Path

    from hotline.web.labels import VIA

    root = Path(__file__).resolve().parents[2] / "hotline"
    written = set()
    for path in root.rglob("*.py"):
        written |= set(re.findall(r'via="([a-z_.:-]+)"', path.read_text(encoding="utf-8")))
    written |= {"attachment", "web-attachment", "recording:web"}  # built from a route's via
    assert written - set(VIA) == set(), sorted(written - set(VIA))
