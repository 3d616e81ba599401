"""Working together on a ticket: staff notes (会商/协调意见) and attachments (photos, scanned
visit records, 回执).

Who sees them: everyone who may read the ticket (``scoping.ticket_for``), that is the center
and every department that currently sees it; a department taken off the ticket stops seeing
them with the ticket. Nothing here reaches the public look-up.

Notices: a new note is an in-app notice only (``unread_notes``: notes by others newer than the
reader's last look at the ticket). Notes send no SMS at all: a note is free text that may name
a child, and an SMS must never carry personal data (``hotline.notify.templates``).

Attachments are kept in the database (any number of web processes share them), typed from
their first bytes, never from the name or the client's content type; every download is a read
of the child's record and is audited like the ticket detail.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import IO
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from hotline.audit import record_access
from hotline.errors import NotFound, ValidationError
from hotline.extensions import db
from hotline.models import Attachment, Note, NoteRead, User
from hotline.tracking import scoping
from hotline.tracking.transitions import record_event

NOT_FOUND_ATTACHMENT = "附件不存在 attachment not found"

# Attachments: at most this many bytes (413 above), and only these types, told by their content.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The body an upload endpoint accepts: the file plus room for the multipart envelope (and the
# page's CSRF field); the service checks the file's own size.
UPLOAD_BODY_BYTES = MAX_ATTACHMENT_BYTES + 64 * 1024
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


class TooLarge(ValidationError):
    status = 413


def sniff(head: bytes) -> str | None:
    """The content type that ``head`` (a file's first bytes) starts with, or None."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """The name shown and offered on download: no folders, no control characters, at most 200
    characters, and the extension of what the file really is (a PDF named ``x.jpg`` ends ``.pdf``)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C" and c not in '"<>|:*?').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem[:200] or "附件") + EXTENSIONS[content_type]


# --- notes ---------------------------------------------------------------------------------


def add_note(ticket_id: int, body: str, *, actor: User, now: datetime) -> Note:
    """A note on a ticket the actor may read; an event records that (not what) was written."""
    ticket = scoping.ticket_for(actor, ticket_id)
    note = Note(ticket_id=ticket.id, author_id=actor.id, department_id=actor.department_id, body=body, created_at=now)
    db.session.add(note)
    db.session.flush()
    record_event(ticket, "note.added", actor=actor, now=now, data={"note_id": note.id, "bureau": actor.bureau})
    _mark_read(ticket.id, actor, now)
    db.session.commit()
    return note


def notes_of(ticket_id: int) -> list[Note]:
    """A ticket's notes, oldest first (the caller has already loaded the ticket through scoping)."""
    return list(db.session.scalars(sa.select(Note).where(Note.ticket_id == ticket_id).order_by(Note.id)))


def _mark_read(ticket_id: int, actor: User, now: datetime) -> None:
    row = db.session.scalar(sa.select(NoteRead).filter_by(user_id=actor.id, ticket_id=ticket_id))
    if row is None:
        db.session.add(NoteRead(user_id=actor.id, ticket_id=ticket_id, read_at=now))
    elif row.read_at < now:
        row.read_at = now


def mark_notes_read(ticket_id: int, *, actor: User, now: datetime) -> None:
    """The actor has seen the ticket's notes (they opened its detail)."""
    try:
        _mark_read(ticket_id, actor, now)
        db.session.commit()
    except sa.exc.IntegrityError:  # the same user's other tab won the race: it says the same
        db.session.rollback()


def unread_notes(ticket_ids: Iterable[int], *, actor: User) -> dict[int, int]:
    """How many notes by others each ticket has that ``actor`` has not seen yet (one query)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    seen = sa.select(NoteRead.read_at).where(NoteRead.user_id == actor.id, NoteRead.ticket_id == Note.ticket_id)
    rows = db.session.execute(
        sa.select(Note.ticket_id, sa.func.count())
        .where(
            Note.ticket_id.in_(ids),
            Note.author_id != actor.id,
            sa.or_(~seen.exists(), Note.created_at > seen.scalar_subquery()),
        )
        .group_by(Note.ticket_id)
    )
    return {ticket_id: count for ticket_id, count in rows}


# --- attachments ---------------------------------------------------------------------------


def add_attachment(ticket_id: int, stream: IO[bytes] | None, filename: str | None, *, actor: User, now: datetime):
    """Store an uploaded file on a ticket the actor may read: JPEG, PNG or PDF by content, at
    most ``MAX_ATTACHMENT_BYTES`` (``TooLarge``: 413), not empty."""
    ticket = scoping.ticket_for(actor, ticket_id)
    if stream is None:
        raise ValidationError(
            "请选择文件 choose a file", {"file": ["缺少文件 a file is required (multipart field 'file')"]}
        )
    data = stream.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise TooLarge(
            "文件过大，不能超过 10 兆字节 the file is larger than 10 MB",
            {"file": ["不能超过 10 兆字节 at most 10 MB"]},
        )
    if not data:
        raise ValidationError("文件为空 the file is empty", {"file": ["文件为空 the file is empty"]})
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(
            "只接受 JPEG、PNG 或 PDF 文件 only JPEG, PNG or PDF files are accepted",
            {"file": ["只接受 JPEG、PNG 或 PDF（按文件内容判断） only JPEG, PNG or PDF, told by the content"]},
        )
    attachment = Attachment(
        ticket_id=ticket.id,
        author_id=actor.id,
        department_id=actor.department_id,
        filename=clean_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        created_at=now,
    )
    db.session.add(attachment)
    db.session.flush()
    record_event(
        ticket,
        "attachment.added",
        actor=actor,
        now=now,
        data={"attachment_id": attachment.id, "bureau": actor.bureau, "content_type": content_type},
    )
    db.session.commit()
    return attachment


def attachments_of(ticket_id: int) -> list[Attachment]:
    return list(
        db.session.scalars(sa.select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id))
    )


def read_attachment(attachment_id: int, *, actor: User, now: datetime, via: str = "api") -> Attachment:
    """The file, to those who may read its ticket (404 to anyone else, as for no such file);
    the read is recorded in the access log before the bytes leave."""
    attachment = db.session.scalar(
        sa.select(Attachment).options(undefer(Attachment.data)).where(Attachment.id == attachment_id)
    )
    if attachment is None:
        raise NotFound(NOT_FOUND_ATTACHMENT)
    try:
        scoping.ticket_for(actor, attachment.ticket_id)
    except NotFound:
        raise NotFound(NOT_FOUND_ATTACHMENT) from None
    record_access(
        actor, via="attachment" if via == "api" else f"{via}-attachment", now=now, ticket_id=attachment.ticket_id
    )
    db.session.commit()
    return attachment


def file_headers(attachment: Attachment, *, download: bool = False) -> dict[str, str]:
    """The headers a stored file is sent with (API and pages alike): its name (ASCII and UTF-8),
    shown inline or downloaded, never cached, never sniffed again by the browser, and sandboxed
    (a PDF cannot run script in the app's origin)."""
    disposition = "attachment" if download else "inline"
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace("?", "_")
    return {
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
    }
