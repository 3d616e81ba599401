"""Test helpers for the overdue chaser: tickets through the real dispatch service, the
contacts the ladder reaches, and fake Twilio HTTP clients for worker processes.

The fake clients are loaded by worker processes through ``TWILIO_HTTP_CLIENT`` (the SDK's
``http_client`` seam): ``RecordingTwilioClient`` appends every message it "sends" to the
JSON-lines file named by ``CHASER_TWILIO_LOG``; with ``CHASER_TWILIO_BLOCK`` naming a marker
file, the first call in any process creates the marker (with its pid) and then hangs, so a
test can kill the worker in the middle of a send.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from twilio.http import HttpClient
from twilio.http.response import Response

from hotline.extensions import db
from hotline.models import Assignment, EscalationStep, Message, Ticket
from hotline.settings import current_settings

SH = ZoneInfo("Asia/Shanghai")
LIAISON = "+8613800000101"
HEAD = "+8613800000102"
SUPERVISOR = "+8613800000103"
LEADING_GROUP = "+8613800000104"
CHILD_NAME = "张小明"
ADDRESS = "幸福路88号"
REPORTER_PHONE = "+8613911112222"
CHASE_KINDS = ("reminder", "escalation")

TWILIO_ENV = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "test-token",
    "TWILIO_FROM_NUMBER": "+15005550006",
    "TWILIO_HTTP_CLIENT": "tests.factories_chaser:RecordingTwilioClient",
}


def local(text: str) -> datetime:
    """A local (Asia/Shanghai) wall time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def set_contacts(make_user, department: str = "public_security") -> None:
    """Liaison, head, center supervisor and leading group office phones, one each."""
    from hotline.notify.contacts import set_department_contacts

    set_department_contacts(department, head_phones=[HEAD], liaison_phones=[LIAISON])
    set_department_contacts("leading_group_office", head_phones=[LEADING_GROUP])
    make_user(f"supervisor-{uuid.uuid4().hex[:6]}", "supervisor", phone=SUPERVISOR)


def make_ticket(now: datetime, urgency: str = "normal", protection_type: str = "judicial") -> Ticket:
    """A ticket created and dispatched by the real service at ``now`` (judicial: one lead,
    public_security). It carries a child's name, an address and a reporter phone, which no
    chaser SMS may repeat."""
    from hotline.intake.tickets import create_ticket

    data = {
        "description": "孩子长期无人照看，需要相关部门上门了解情况。",
        "location": {"street": "jiangyuan", "address": ADDRESS},
        "child": {"name": CHILD_NAME, "age": 9},
        "reporter": {"name": "王女士", "phone": REPORTER_PHONE},
        "protection_types": [protection_type],
        "urgency": urgency,
    }
    ticket, _secret = create_ticket(
        data, channel="phone", actor=None, now=now.astimezone(SH), settings=current_settings()
    )
    assert ticket.assignments, "the default rules route a judicial ticket to public_security"
    return ticket


def chase_messages(assignment_id: int | None = None) -> list[Message]:
    db.session.expire_all()
    query = sa.select(Message).where(Message.kind.in_(CHASE_KINDS)).order_by(Message.id)
    if assignment_id is not None:
        query = query.where(Message.assignment_id == assignment_id)
    return list(db.session.scalars(query))


def steps(assignment_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(EscalationStep.deadline_kind, EscalationStep.level)
        .where(EscalationStep.assignment_id == assignment_id)
        .order_by(EscalationStep.id)
    )
    return [tuple(row) for row in rows]


def assignment(ident: int) -> Assignment:
    db.session.expire_all()
    return db.session.get(Assignment, ident)


def sent_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class RecordingTwilioClient(HttpClient):
    """Answers Twilio's Messages API like Twilio would, recording each message sent."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("tests.fake_twilio"), is_async=False)

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        data = dict(data or {})
        marker = os.environ.get("CHASER_TWILIO_BLOCK")
        if marker:
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                time.sleep(3600)  # the test kills this process while it "sends"
        sid = "SM" + uuid.uuid4().hex
        log_path = os.environ.get("CHASER_TWILIO_LOG")
        if log_path:
            with open(log_path, "a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps({"to": data.get("To"), "body": data.get("Body"), "sid": sid, "pid": os.getpid()}) + "\n"
                )
        body = {
            "sid": sid,
            "status": "queued",
            "to": data.get("To"),
            "from": data.get("From"),
            "body": data.get("Body"),
        }
        return Response(201, json.dumps(body))
