"""Children's files and visits: open, list, read (audited), correct, close, link tickets,
record visits (with referral tickets dispatched by the rules).

Each public function owns one transaction. Who sees a file (``file_filter``): the center
(operators, supervisors, admins) every file; a street office's liaisons the files of their
street; every other department nothing (403 on the list, 404 on a file). Every read of a file
is written to the access log before the answer leaves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hotline.children import schedule
from hotline.children.models import ChildEvent, ChildFile, Visit
from hotline.errors import Conflict, Forbidden, NotFound, ValidationError
from hotline.extensions import db
from hotline.models import Role, Street, Ticket, User
from hotline.pagination import paginate
from hotline.reference.services import code_set, current_reference, setting
from hotline.settings import Settings
from hotline.tracking import scoping

INVALID = "输入有误 Validation failed"
NOT_FOUND = "档案不存在 child's file not found"
CENTER_ROLES = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)


# --- reference data ----------------------------------------------------------------------------


def children_settings() -> dict[str, Any]:
    """The ``[children]`` table of the reference data (intervals by risk, service codes)."""
    return setting("children") or {}


def intervals() -> dict[str, int]:
    return dict(schedule.DEFAULT_INTERVALS, **(children_settings().get("visit_every_days") or {}))


def service_codes() -> dict[str, dict[str, str]]:
    return {item["code"]: item for item in children_settings().get("services") or ()}


def _tz(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def _street_codes() -> set[str]:
    return set(db.session.scalars(sa.select(Street.code).filter_by(active=True)))


def _check_codes(data: Mapping[str, Any], errors: dict[str, Any]) -> None:
    street = data.get("street")
    if street is not None and street not in _street_codes():
        errors["street"] = [f"未知街道 unknown street '{street}'"]
    situations = data.get("situations")
    if situations:
        known = code_set("subject_category")
        if bad := [s for s in situations if s not in known]:
            errors["situations"] = [f"未知保护对象类别 unknown situation(s): {', '.join(bad)}"]


def _check_birth(
    data: Mapping[str, Any], now: datetime, errors: dict[str, Any], settings: Settings, key: str = "birth_date"
) -> None:
    birth = data.get(key)
    if birth is not None and (problem := schedule.birth_date_problem(birth, now.astimezone(_tz(settings)).date())):
        errors[key] = [problem]


# --- scoping -----------------------------------------------------------------------------------


def street_of(actor: User) -> str | None:
    """The street whose office ``actor`` works for (a street office liaison), else None."""
    department = actor.department
    if actor.role == Role.LIAISON and department is not None and department.kind == "street":
        return department.street_code
    return None


def is_center(actor: User) -> bool:
    return actor.role in CENTER_ROLES


def require_file_access(actor: User) -> None:
    """403 for users who may see no file at all (liaisons of other departments)."""
    if not is_center(actor) and street_of(actor) is None:
        raise Forbidden("只有街道办和中心可以查看专项档案 only the street office and the center see children's files")


def file_filter(actor: User) -> sa.ColumnElement[bool]:
    if is_center(actor):
        return sa.true()
    street = street_of(actor)
    return ChildFile.street_code == street if street else sa.false()


def file_for(actor: User, child_id: int) -> ChildFile:
    if not 0 < child_id < 2**31:  # beyond the database's integer range: no such file
        raise NotFound(NOT_FOUND)
    child = db.session.scalar(sa.select(ChildFile).where(ChildFile.id == child_id, file_filter(actor)))
    if child is None:
        raise NotFound(NOT_FOUND)
    return child


def _require_street(actor: User, street: str | None) -> None:
    if is_center(actor):
        return
    own = street_of(actor)
    if own is None or own != street:
        raise Forbidden("街道办只能为本街道建档 a street office opens files for its own street only")


# --- audit and events ---------------------------------------------------------------------


def audit_read(actor: User, child: ChildFile, now: datetime, via: str = "api") -> None:
    """Record a read of the file (in the caller's transaction). See hotline.children.audit."""
    from hotline.children.audit import record_file_read

    record_file_read(actor, child, now, via)


def _event(
    child: ChildFile,
    action: str,
    *,
    actor: User | None,
    now: datetime,
    before: str | None = None,
    data: dict | None = None,
) -> None:
    db.session.add(
        ChildEvent(
            child_id=child.id,
            actor_id=actor.id if actor is not None else None,
            action=action,
            from_status=before,
            to_status=child.status,
            data=data or {},
            created_at=now,
        )
    )


def _transition(child: ChildFile, action: str) -> str:
    """Check the file's transition table; the state before (409 when not allowed)."""
    before = child.status
    try:
        child.status = schedule.next_state(before, action)
    except schedule.FileTransitionError as exc:
        raise Conflict(
            f"档案状态为 {exc.current}，不能执行 {action} a {exc.current} file cannot take '{action}'",
            {"status": [exc.current], "allowed": exc.allowed},
        ) from None
    return before


def reschedule(child: ChildFile, now: datetime, tz: str) -> None:
    """Recompute the next visit due date and the chaser's next look (in the caller's transaction;
    the ladder's local times in ``tz``)."""
    from hotline.children.chaser import first_look
    from hotline.reference.services import configured_ladder

    since = child.last_visited_at or child.created_at or now
    child.next_visit_due_at = schedule.next_visit_due(since, child.visit_every_days)
    child.escalation_level = 0
    child.next_escalation_at = first_look(child, configured_ladder(tz)) if child.status == "open" else None


# --- the file as answered ----------------------------------------------------------------------


@dataclass
class FileView:
    """A file as the caller may see it, with the tickets they may read."""

    child: ChildFile
    now: datetime
    settings: Settings
    tickets: list[Ticket] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["child"], name)

    @property
    def street(self) -> str:
        return self.child.street_code

    @property
    def age(self) -> int | None:
        birth = self.child.birth_date
        return schedule.age_on(birth, self.now.astimezone(_tz(self.settings)).date()) if birth else None

    @property
    def visit_overdue(self) -> bool:
        return schedule.is_visit_late(self.child.status, self.child.next_visit_due_at, self.now)


def _tickets_of(child: ChildFile, actor: User) -> list[Ticket]:
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(Ticket.child_id == child.id, scoping.ticket_filter(actor))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
    )


def file_view(child: ChildFile, actor: User, now: datetime, *, settings: Settings, detail: bool = False) -> FileView:
    view = FileView(child, now, settings, _tickets_of(child, actor))
    if detail:
        view.visits = [_visit_payload(v) for v in child.visits]
        events = db.session.scalars(
            sa.select(ChildEvent).where(ChildEvent.child_id == child.id).order_by(ChildEvent.id)
        )
        view.timeline = [
            {
                "at": e.created_at,
                "action": e.action,
                "actor": e.actor.username if e.actor else None,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "data": e.data or {},
            }
            for e in events
        ]
    return view


def _visit_payload(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "child_id": visit.child_id,
        "visited_at": visit.visited_at,
        "kind": visit.kind,
        "findings": visit.findings,
        "services": list(visit.services or ()),
        "due_at": visit.due_at,
        "on_time": None if visit.due_at is None else visit.visited_at <= visit.due_at,
        "referral_ticket_id": visit.referral_ticket_id,
        "by": visit.by.username if visit.by else None,
        "created_at": visit.created_at,
    }


def _number(child: ChildFile, settings: Settings) -> str:
    local = child.created_at.astimezone(_tz(settings))
    return f"ZX{local:%Y}-{child.id:06d}"


# --- opening, reading, changing ----------------------------------------------------------------


def _new_file(data: Mapping[str, Any], *, actor: User | None, now: datetime, settings: Settings) -> ChildFile:
    risk = data["risk"]
    child = ChildFile(
        name=data.get("name"),
        gender=data.get("gender"),
        birth_date=data.get("birth_date"),
        street_code=data["street"],
        address=data.get("address"),
        situations=list(dict.fromkeys(data.get("situations") or ())),
        guardians=[dict(g) for g in data.get("guardians") or ()],
        risk=risk,
        visit_every_days=data.get("visit_every_days") or schedule.default_interval(risk, intervals()),
        status="open",
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
        updated_at=now,
    )
    child.match_key = schedule.match_key(child.name, child.birth_date, child.street_code)
    db.session.add(child)
    db.session.flush()
    child.number = _number(child, settings)
    reschedule(child, now, settings.timezone)
    return child


def create_file(data: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings) -> FileView:
    """Open a file (the center, or a liaison of the child's street office)."""
    errors: dict[str, Any] = {}
    _check_codes(data, errors)
    _check_birth(data, now, errors, settings)
    if errors:
        raise ValidationError(INVALID, errors)
    _require_street(actor, data["street"])
    child = _new_file(data, actor=actor, now=now, settings=settings)
    _event(child, "opened", actor=actor, now=now, data={"via": "api", "risk": child.risk})
    audit_read(actor, child, now, "create")
    db.session.commit()
    return file_view(child, actor, now, settings=settings)


def list_files(filters: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings) -> dict[str, Any]:
    """Files the actor may see; overdue visits first, then the soonest due."""
    require_file_access(actor)
    errors: dict[str, Any] = {}
    if filters.get("street") and filters["street"] not in _street_codes():
        errors["street"] = [f"未知街道 unknown street '{filters['street']}'"]
    if filters.get("situation") and filters["situation"] not in code_set("subject_category"):
        errors["situation"] = [f"未知保护对象类别 unknown situation '{filters['situation']}'"]
    if errors:
        raise ValidationError(INVALID, errors)
    query = sa.select(ChildFile).where(file_filter(actor))
    if filters.get("street"):
        query = query.where(ChildFile.street_code == filters["street"])
    if filters.get("risk"):
        query = query.where(ChildFile.risk == filters["risk"])
    if filters.get("status"):
        query = query.where(ChildFile.status == filters["status"])
    if filters.get("situation"):
        query = query.where(sa.cast(ChildFile.situations, sa.String).like(f'%"{filters["situation"]}"%'))
    late = sa.and_(ChildFile.status == "open", ChildFile.next_visit_due_at <= now)
    if filters.get("visit_overdue") is not None:
        query = query.where(late if filters["visit_overdue"] else sa.not_(late))
    if filters.get("q"):
        needle = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                ChildFile.name.like(needle, escape="\\"),
                ChildFile.number.like(needle, escape="\\"),
                ChildFile.address.like(needle, escape="\\"),
            )
        )
    query = query.order_by(
        sa.case((late, 0), else_=1),
        ChildFile.status.desc(),  # open before closed
        ChildFile.next_visit_due_at.asc(),
        ChildFile.id,
    )
    items, total = paginate(query, filters.get("page", 1), filters.get("per_page", 50))
    for child in items:  # a list shows names and addresses: each file shown is a read
        audit_read(actor, child, now, "list")
    db.session.commit()
    return {"items": [FileView(c, now, settings) for c in items], "total": total}


def get_file(child_id: int, *, actor: User, now: datetime, settings: Settings, via: str = "api") -> FileView:
    """The file with its visits, tickets and history; the read is recorded first."""
    child = file_for(actor, child_id)
    audit_read(actor, child, now, via)
    db.session.commit()
    return file_view(child, actor, now, settings=settings, detail=True)


def update_file(child_id: int, data: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings) -> FileView:
    """Correct a file; a new risk without an interval takes that risk's default interval."""
    child = file_for(actor, child_id)
    errors: dict[str, Any] = {}
    _check_codes(data, errors)
    _check_birth(data, now, errors, settings)
    if errors:
        raise ValidationError(INVALID, errors)
    if "street" in data:
        _require_street(actor, data["street"])
    before = _transition(child, "update")
    changed = _apply_changes(child, data, settings.timezone)
    if changed:
        _event(child, "updated", actor=actor, now=now, before=before, data={"fields": changed})
        child.updated_at = now
    audit_read(actor, child, now, "update")
    db.session.commit()
    return file_view(child, actor, now, settings=settings)


def _apply_changes(child: ChildFile, data: Mapping[str, Any], tz: str) -> list[str]:
    """Apply the given fields; the names of those that changed (never their values: events
    outlive a pseudonymised file)."""
    changed: list[str] = []
    mapping = {"street": "street_code"}
    for name in ("name", "gender", "birth_date", "street", "address", "situations", "guardians", "risk"):
        if name not in data:
            continue
        value = data[name]
        if name == "situations":
            value = list(dict.fromkeys(value))
        elif name == "guardians":
            value = [dict(g) for g in value]
        if getattr(child, mapping.get(name, name)) != value:
            setattr(child, mapping.get(name, name), value)
            changed.append(name)
    interval = data.get("visit_every_days")
    if interval is None and "risk" in changed:
        interval = schedule.default_interval(child.risk, intervals())
    if interval is not None and interval != child.visit_every_days:
        child.visit_every_days = interval
        changed.append("visit_every_days")
    if "visit_every_days" in changed:
        reschedule(child, child.updated_at, tz)
    if {"name", "birth_date", "street"} & set(changed):
        child.match_key = schedule.match_key(child.name, child.birth_date, child.street_code)
    return changed


def close_file(child_id: int, reason: str, *, actor: User, now: datetime, settings: Settings) -> FileView:
    child = file_for(actor, child_id)
    before = _transition(child, "close")
    child.close_reason, child.closed_at, child.updated_at = reason, now, now
    child.next_escalation_at = None
    # The reason stays on the file (retention removes it), never in the event.
    _event(child, "closed", actor=actor, now=now, before=before)
    audit_read(actor, child, now, "close")
    db.session.commit()
    return file_view(child, actor, now, settings=settings)


# --- tickets and files -------------------------------------------------------------------------


def link_ticket(ticket_id: int, data: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings) -> FileView:
    """Link a ticket to a file, or open a file from the ticket's child fields.

    A person decides: repeat matches only suggest a file (``suggest_files``), never link one.
    """
    ticket = scoping.ticket_for(actor, ticket_id)
    if data.get("create"):
        child = _file_from_ticket(ticket, data, actor=actor, now=now, settings=settings)
    else:
        child = file_for(actor, data["child_id"])
        before = _transition(child, "link")
        _event(child, "ticket.linked", actor=actor, now=now, before=before, data={"ticket_id": ticket.id})
    if ticket.child_id is not None and ticket.child_id != child.id:
        previous = db.session.get(ChildFile, ticket.child_id)
        if previous is not None:
            _event(previous, "ticket.unlinked", actor=actor, now=now, data={"ticket_id": ticket.id})
    ticket.child_id = child.id
    from hotline.tracking.transitions import record_event

    record_event(ticket, "child.linked", actor=actor, now=now, data={"child_id": child.id})
    audit_read(actor, child, now, "link")
    db.session.commit()
    return file_view(child, actor, now, settings=settings)


def _file_from_ticket(
    ticket: Ticket, data: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings
) -> ChildFile:
    errors: dict[str, Any] = {}
    name = data.get("name") or ticket.child_name
    situations = data.get("situations") or list(ticket.subject_categories or ())
    if not name:
        errors["name"] = ["工单没有儿童姓名，请填写 the ticket has no child's name: give name"]
    if not ticket.street_code:
        errors["street"] = ["工单没有街道 the ticket has no street"]
    if not situations:
        errors["situations"] = ["工单没有保护对象类别，请填写 the ticket has no situation: give situations"]
    fields = {
        "name": name,
        "gender": data.get("gender", ticket.child_gender if ticket.child_gender in schedule.GENDERS else None),
        "birth_date": data.get("birth_date"),
        "street": ticket.street_code,
        "address": ticket.address,
        "situations": situations,
        "risk": data.get("risk") or ("high" if current_reference().is_emergency(ticket.urgency) else "medium"),
        "visit_every_days": data.get("visit_every_days"),
    }
    _check_codes({"situations": situations}, errors)
    _check_birth(fields, now, errors, settings)
    if errors:
        raise ValidationError(INVALID, errors)
    _require_street(actor, ticket.street_code)
    child = _new_file(fields, actor=actor, now=now, settings=settings)
    _event(child, "opened", actor=actor, now=now, data={"via": "ticket", "ticket_id": ticket.id, "risk": child.risk})
    return child


def suggested_files(ticket_id: int, *, actor: User, now: datetime, settings: Settings) -> dict[str, Any]:
    """The files this ticket's child may have (for a person to confirm with ``link_ticket``)."""
    require_file_access(actor)
    ticket = scoping.ticket_for(actor, ticket_id)
    found = suggest_files(ticket, actor)
    for child in found:
        audit_read(actor, child, now, "suggest")
    db.session.commit()
    return {"child_id": ticket.child_id, "items": [FileView(c, now, settings) for c in found]}


def suggest_files(ticket: Ticket, actor: User, limit: int = 5) -> list[ChildFile]:
    """Files that may be this ticket's child (same normalised name, same street): shown to a
    person who decides; never linked automatically."""
    if ticket.child_id is not None or not ticket.child_name or not ticket.street_code:
        return []
    if not is_center(actor) and street_of(actor) != ticket.street_code:
        return []
    key = schedule.match_key(ticket.child_name, datetime(2000, 1, 1).date(), ticket.street_code)
    prefix = key.split("|", 1)[0] + "|" if key else None
    if prefix is None:
        return []
    return list(
        db.session.scalars(
            sa.select(ChildFile)
            .where(ChildFile.match_key.like(prefix.replace("%", "\\%").replace("_", "\\_") + "%", escape="\\"))
            .where(ChildFile.street_code == ticket.street_code, file_filter(actor))
            .order_by(ChildFile.id)
            .limit(limit)
        )
    )


# --- visits ------------------------------------------------------------------------------------


def record_visit(
    child_id: int, data: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings
) -> dict[str, Any]:
    """A visit by the street office (or the center); with ``refer`` a ticket (channel ``visit``)
    is created for the child and dispatched by the rules, in the same transaction."""
    child = file_for(actor, child_id)
    errors: dict[str, Any] = {}
    visited_at: datetime = data["visited_at"]
    if (visited_at - now).total_seconds() > schedule.FUTURE_SLACK_SECONDS:
        errors["visited_at"] = ["走访时间不能在未来 a visit cannot be in the future"]
    elif visited_at.year < 1900:
        errors["visited_at"] = ["走访时间有误 the visit time is out of range"]
    known = service_codes()
    if bad := [s for s in data.get("services") or () if s not in known]:
        errors["services"] = [f"未知服务 unknown service(s): {', '.join(bad)} (one of {', '.join(known)})"]
    refer = data.get("refer")
    if refer:
        from hotline.dispatch.services import reference_errors

        if refer_errors := reference_errors(
            {"protection_types": refer["protection_types"], "urgency": refer["urgency"]}
        ):
            errors["refer"] = refer_errors
    if errors:
        raise ValidationError(INVALID, errors)
    before = _transition(child, "visit")
    services = list(dict.fromkeys(data.get("services") or ()))
    if refer and "referral" not in services:
        services.append("referral")
    visit = Visit(
        child_id=child.id,
        visited_at=visited_at,
        kind=data["kind"],
        findings=data["findings"],
        services=services,
        due_at=child.next_visit_due_at,
        street_code=child.street_code,
        by_id=actor.id,
        created_at=now,
    )

    def write(ticket: Ticket | None) -> None:
        if ticket is not None:
            ticket.child_id = child.id
            visit.referral_ticket_id = ticket.id
        db.session.add(visit)
        if child.last_visited_at is None or visited_at > child.last_visited_at:
            child.last_visited_at = visited_at
        child.updated_at = now
        reschedule(child, now, settings.timezone)
        db.session.flush()
        _event(
            child,
            "visited",
            actor=actor,
            now=now,
            before=before,
            data={"visit_id": visit.id, "kind": visit.kind, "referral_ticket_id": visit.referral_ticket_id},
        )
        audit_read(actor, child, now, "visit")

    ticket = None
    if refer:
        ticket = _refer(child, refer, actor=actor, now=now, settings=settings, write=write)
    else:
        write(None)
        db.session.commit()
    return _visit_payload(visit) | {
        "next_visit_due_at": child.next_visit_due_at,
        "referral_ticket_number": ticket.number if ticket else None,
        "referral_ticket_status": ticket.status if ticket else None,
    }


def _refer(
    child: ChildFile, refer: Mapping[str, Any], *, actor: User, now: datetime, settings: Settings, write
) -> Ticket:
    """帮扶转介: a ticket for the child, dispatched by the rules like any other; the visit and
    the file's new schedule are written in the ticket's own transaction (``on_created``)."""
    from hotline.intake.tickets import create_ticket

    age = schedule.age_on(child.birth_date, now.astimezone(_tz(settings)).date()) if child.birth_date else None
    body = {
        "description": refer["description"],
        "protection_types": refer["protection_types"],
        "urgency": refer["urgency"],
        "subject_categories": list(child.situations or ()),
        "location": {"street": child.street_code, "address": child.address},
        "child": {"name": child.name, "age": age, "gender": child.gender},
        "reporter": {},
    }
    ticket, _secret = create_ticket(
        body,
        channel="visit",
        actor=actor,
        now=now,
        auto_dispatch=True,
        on_created=lambda t, _s: write(t),
        settings=settings,
    )
    return ticket
