"""Deciding and applying assignments (派单), previews, and the dispatch rules in force.

Tickets are created by ``hotline.intake.tickets``, which asks ``route_new_ticket`` here.

Each public function owns one transaction: it loads what it needs, asks the pure rules
(``hotline.dispatch.rules``) and deadline (``hotline.tickets.calendar``) modules, changes
state only through ``hotline.tracking.transitions``, writes outbox rows, and commits once.

Rules versions: every process reads the newest ``RuleSet`` version on each evaluation (one
indexed query) and keeps the parsed, compiled rules per version, so a ``PUT /api/v1/rules``
or ``hotline rules import`` takes effect in every web and worker process without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hotline.audit import record_access
from hotline.dispatch import rules as rules_module
from hotline.errors import Conflict, NotFound, ValidationError
from hotline.extensions import db
from hotline.models import (
    Assignment,
    Channel,
    Department,
    MessageKind,
    ReferenceCode,
    RuleSet,
    Street,
    Ticket,
    User,
)
from hotline.notify import templates
from hotline.notify.contacts import Directory
from hotline.notify.outbox import add_message
from hotline.reference.services import current_reference
from hotline.settings import Settings
from hotline.tickets import lifecycle
from hotline.tickets.calendar import due_at
from hotline.tickets.enums import AssignmentStatus
from hotline.tickets.lifecycle import LIVE_ASSIGNMENT_STATES
from hotline.tickets.reference import ProtectionType, Urgency
from hotline.tickets.reference import Reference as TypedReference
from hotline.tracking import transitions

log = logging.getLogger(__name__)

CHANNELS = tuple(c.value for c in Channel)
INVALID = "输入有误 Validation failed"


# --- reference data ----------------------------------------------------------------------


@dataclass
class Reference:
    """The code lists a ticket is checked against: the typed reference data of the version in
    force (urgencies, protection types), and the subject categories, streets and department
    rows dispatch assigns to."""

    typed: TypedReference
    subject_categories: dict[str, ReferenceCode]
    streets: dict[str, str]
    departments: dict[str, Department]

    @property
    def urgencies(self) -> Mapping[str, Urgency]:
        return self.typed.urgencies

    @property
    def protection_types(self) -> Mapping[str, ProtectionType]:
        return self.typed.protection_types

    def known(self) -> dict[str, set[str]]:
        return {
            "departments": set(self.departments),
            "protection_types": set(self.protection_types),
            "subject_categories": set(self.subject_categories),
            "streets": set(self.streets),
            "urgencies": set(self.urgencies),
            "channels": set(CHANNELS),
        }

    def labels(self) -> dict[str, dict[str, str]]:
        return {
            "departments": {code: d.name for code, d in self.departments.items()},
            "protection_types": {code: r.name for code, r in self.protection_types.items()},
            "subject_categories": {code: r.name for code, r in self.subject_categories.items()},
            "streets": dict(self.streets),
            "urgencies": {code: r.name for code, r in self.urgencies.items()},
        }

    def policy(self, urgency: str | None) -> dict[str, Any]:
        return dict(self.typed.deadline_urgency(urgency).policy())


def reference() -> Reference:
    """The active reference data: the same answer in a request or a job (no per-request cache;
    the typed part is built once per reference version)."""
    subject_categories = {
        row.code: row
        for row in db.session.scalars(
            sa.select(ReferenceCode).filter_by(kind="subject_category").order_by(ReferenceCode.position)
        )
    }
    streets = {
        code: name for code, name in db.session.execute(sa.select(Street.code, Street.name).filter_by(active=True))
    }
    departments = {d.code: d for d in db.session.scalars(sa.select(Department).filter_by(active=True))}
    return Reference(current_reference(), subject_categories, streets, departments)


def _unknown(values: Sequence[str] | None, known: Mapping[str, Any]) -> list[str]:
    return [v for v in values or () if v not in known]


def reference_errors(data: Mapping[str, Any], ref: Reference | None = None) -> dict[str, Any]:
    """Field errors for codes the reference data does not know (``{}`` when all are known).

    Shared by the schemas (so one 422 names every bad field) and the services (so webhook
    and CLI callers are checked too).
    """
    ref = ref or reference()
    errors: dict[str, Any] = {}
    if bad := _unknown(data.get("protection_types"), ref.protection_types):
        errors["protection_types"] = [f"未知保护类型 unknown protection type(s): {', '.join(map(str, bad))}"]
    if bad := _unknown(data.get("subject_categories"), ref.subject_categories):
        errors["subject_categories"] = [f"未知保护对象类别 unknown subject categor(y/ies): {', '.join(map(str, bad))}"]
    urgency = data.get("urgency")
    if urgency is not None and urgency not in ref.urgencies:
        errors["urgency"] = [f"未知紧急程度 unknown urgency '{urgency}' (one of {', '.join(ref.urgencies)})"]
    street = (data.get("location") or {}).get("street")
    if street is not None and street not in ref.streets:
        errors["location"] = {
            "street": [f"未知街道 unknown street '{street}' (one of {', '.join(sorted(ref.streets))})"]
        }
    channel = data.get("channel")
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = [f"未知渠道 unknown channel '{channel}' (one of {', '.join(CHANNELS)})"]
    return errors


# --- the rules in force ------------------------------------------------------------------

_compiled: dict[tuple[int, datetime], rules_module.CompiledRules] = {}
_EMPTY = rules_module.CompiledRules([])


def current_rules() -> tuple[int | None, rules_module.CompiledRules]:
    """The newest rules version and its compiled rules (compiled once per process and version)."""
    head = db.session.execute(
        sa.select(RuleSet.version, RuleSet.created_at).order_by(RuleSet.version.desc()).limit(1)
    ).first()
    if head is None:
        return None, _EMPTY
    key = (head.version, head.created_at)
    compiled = _compiled.get(key)
    if compiled is None:
        rows = db.session.scalar(sa.select(RuleSet.rules).filter_by(version=head.version))
        compiled = rules_module.CompiledRules(rows)
        if len(_compiled) > 16:
            _compiled.clear()
        _compiled[key] = compiled
    return head.version, compiled


def _facts(ticket: Ticket) -> rules_module.TicketFacts:
    return rules_module.TicketFacts(
        protection_types=tuple(ticket.protection_types or ()),
        subject_categories=tuple(ticket.subject_categories or ()),
        street=ticket.street_code,
        urgency=ticket.urgency,
        channel=ticket.channel,
    )


def _evaluate(facts: rules_module.TicketFacts, ref: Reference) -> tuple[int | None, rules_module.Decision]:
    version, compiled = current_rules()
    return version, rules_module.evaluate(compiled, facts, labels=ref.labels())


def preview_dispatch(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the rules in force would do with this ticket body. Stores nothing."""
    ref = reference()
    errors = reference_errors(data, ref)
    if errors:
        raise ValidationError(INVALID, errors)
    version, decision = _evaluate(rules_module.TicketFacts.of(data), ref)
    return decision.as_dict() | {"rules_version": version}


def preview_draft_rules(rules: list[Any], sample: Mapping[str, Any]) -> dict[str, Any]:
    """What a draft rule set (not saved) would do with a sample ticket: ``{"errors"}`` or the decision."""
    ref = reference()
    errors = rules_module.validate_rules(rules, ref.known())
    if errors:
        return {"errors": errors}
    return rules_module.evaluate(rules, sample, labels=ref.labels()).as_dict()


# --- routing a new ticket ----------------------------------------------------------------------


def route_new_ticket(
    ticket: Ticket, *, auto_dispatch: bool, actor: User | None, now: datetime, ref: Reference, settings: Settings
) -> None:
    """Decide a just-created ticket (in the creator's transaction): dispatch it by the rules,
    or only store what they would do; an emergency also alerts the duty phones."""
    version, decision = _evaluate(_facts(ticket), ref)
    if auto_dispatch:
        _apply_decision(ticket, decision, version, actor=actor, now=now, ref=ref, settings=settings)
    else:
        ticket.dispatch_suggestion = _suggestion(decision, version)
    if ref.typed.is_emergency(ticket.urgency):
        _alert_duty_phones(ticket, ref, settings)


def refresh_suggestion(ticket: Ticket) -> dict[str, Any] | None:
    """Recompute a `new` ticket's suggestion after its facts changed (in the caller's transaction)."""
    version, decision = _evaluate(_facts(ticket), reference())
    ticket.dispatch_suggestion = _suggestion(decision, version)
    return ticket.dispatch_suggestion


def _suggestion(decision: rules_module.Decision, version: int | None) -> dict[str, Any] | None:
    return decision.as_dict() | {"rules_version": version} if decision.routed else None


def _alert_duty_phones(ticket: Ticket, ref: Reference, settings: Settings) -> None:
    body = templates.render(
        "alert",
        **templates.ticket_fields(ticket, ref.typed, settings.timezone),
        status="已派单" if ticket.status != "new" else "待派单",
        link=_ticket_link(ticket, settings),
    )
    for phone in dict.fromkeys(settings.duty_phones):
        add_message(phone, body, MessageKind.ALERT, ticket_id=ticket.id, emergency=True)


def _ticket_link(ticket: Ticket, settings: Settings) -> str:
    return f"{settings.public_url}/tickets/{ticket.id}"


# --- dispatching -----------------------------------------------------------------------------


def dispatch_ticket(
    ticket_id: int, assignments: list[dict] | None, *, actor: User | None, now: datetime, settings: Settings
) -> Ticket:
    """Manual dispatch or re-dispatch.

    With ``assignments`` (``[{"bureau", "role"}]``, exactly one lead): exactly those
    departments. Without: the rules in force. Live assignments of departments no longer in
    the set are withdrawn; those that remain are kept (their clocks keep running, a changed
    role is recorded); new departments get new assignments and SMS.

    When the rules route nothing, nothing is dispatched: a ``new`` ticket stays ``new`` (200,
    with the explanation stored in ``dispatch``); a ticket already with departments keeps
    them and the call answers 409, since replacing them by nothing is not a dispatch.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("工单不存在 ticket not found")
    if "dispatch" not in lifecycle.allowed_actions("ticket", ticket.status):
        raise Conflict(
            f"工单当前状态为 {ticket.status}，不能派单 a {ticket.status} ticket cannot be dispatched",
            {"status": [ticket.status]},
        )
    ref = reference()
    if assignments:
        version, decision = None, _manual_decision(ticket, assignments, actor, ref)
    else:
        version, decision = _evaluate(_facts(ticket), ref)
        if not decision.routed:
            if any(a.status in LIVE_ASSIGNMENT_STATES for a in ticket.assignments):
                raise Conflict(
                    "没有规则可以派单，原派单保持不变；请指定承办部门 no rule routes this ticket; "
                    "its current departments stay; dispatch it with explicit assignments",
                    {"assignments": [decision.explanation]},
                )
    _apply_decision(ticket, decision, version, actor=actor, now=now, ref=ref, settings=settings)
    if actor is not None:  # the answer is the full record
        record_access(actor, via="dispatch", now=now, ticket_id=ticket.id)
    commit_keeping_loaded()
    return ticket


def commit_keeping_loaded() -> None:
    """Commit without expiring what was just written: the answer is then built from memory
    instead of reloading the ticket, its assignments and their departments row by row."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _manual_decision(ticket: Ticket, wanted: list[dict], actor: User | None, ref: Reference) -> rules_module.Decision:
    errors: dict[str, Any] = {}
    chosen: list[rules_module.Assignment] = []
    seen: set[str] = set()
    for index, item in enumerate(wanted):
        bureau, role = item.get("bureau"), item.get("role")
        if bureau == rules_module.STREET:
            if not ticket.street_code:
                errors.setdefault(str(index), {})["bureau"] = ["工单没有街道，无法派给街道办 the ticket has no street"]
                continue
            bureau = rules_module.STREET_PREFIX + ticket.street_code
        if bureau not in ref.departments:
            errors.setdefault(str(index), {})["bureau"] = [f"未知部门 unknown department '{bureau}'"]
        elif bureau in seen:
            errors.setdefault(str(index), {})["bureau"] = [f"部门重复 department '{bureau}' listed twice"]
        if role not in rules_module.ROLES:
            errors.setdefault(str(index), {})["role"] = [f"角色须为 lead 或 assist, got '{role}'"]
        seen.add(bureau)
        chosen.append(rules_module.Assignment(bureau, role))
    leads = [a for a in chosen if a.role == "lead"]
    if not errors and len(leads) != 1:
        errors["_schema"] = [f"必须且只能有一个主办部门 exactly one lead is required (got {len(leads)})"]
    if errors:
        raise ValidationError(INVALID, {"assignments": errors})
    ordered = tuple(leads + [a for a in chosen if a.role == "assist"])
    who = f"{actor.username}（{actor.role}）" if actor is not None else "system"
    names = ref.labels()["departments"]
    assists_zh = "、".join(names.get(a.bureau, a.bureau) for a in ordered[1:]) or "无"
    assists_en = ", ".join(a.bureau for a in ordered[1:]) or "none"
    explanation = (
        f"人工派单：{who} 指定主办 {names.get(ordered[0].bureau, ordered[0].bureau)}；协办 {assists_zh}。\n"
        f"Manual dispatch by {actor.username if actor else 'system'}: lead {ordered[0].bureau}; assisting {assists_en}."
    )
    return rules_module.Decision(assignments=ordered, rule=None, explanation=explanation)


def _apply_decision(
    ticket: Ticket,
    decision: rules_module.Decision,
    version: int | None,
    *,
    actor: User | None,
    now: datetime,
    ref: Reference,
    settings: Settings,
) -> None:
    """Record the decision on the ticket and, when it routes, dispatch (in the caller's transaction)."""
    wanted = {a.bureau: a.role for a in decision.assignments if a.bureau in ref.departments}
    explanation = decision.explanation
    missing = [a.bureau for a in decision.assignments if a.bureau not in ref.departments]
    if missing:  # a rule names a department since deactivated
        explanation += f"\n（部门已停用，未派 inactive department(s) skipped: {', '.join(missing)}）"
    ticket.rules_version, ticket.dispatch_rule, ticket.dispatch_explanation = version, decision.rule, explanation
    if "lead" not in wanted.values():
        ticket.dispatch_suggestion = None
        transitions.record_event(
            ticket,
            "dispatch.unrouted",
            actor=actor,
            now=now,
            reason=explanation,
            data={"rule": decision.rule, "rules_version": version},
        )
        return
    ticket.dispatch_suggestion = None
    # Every department still on the ticket, finished ones included: a department that already
    # gave final feedback and stays in the set keeps its assignment (and its work) instead of
    # getting a second one; one left out is taken off (withdrawn, not "returned": it never asked).
    current = [a for a in ticket.assignments if a.status not in lifecycle.ENDED_ASSIGNMENT_STATES]
    kept = {a.department.code: a for a in current if a.department.code in wanted}
    withdrawn = [a for a in current if a.department.code not in wanted]
    added = [code for code in wanted if code not in kept]
    transitions.change_ticket(
        ticket,
        "dispatch",
        actor=actor,
        now=now,
        reason=explanation,
        data={
            "rule": decision.rule,
            "rules_version": version,
            "assignments": [{"bureau": code, "role": role} for code, role in wanted.items()],
            "added": added,
            "kept": sorted(kept),
            "withdrawn": [a.department.code for a in withdrawn],
        },
    )
    for assignment in withdrawn:
        transitions.change_assignment(
            assignment, "withdraw", actor=actor, now=now, reason="改派 re-dispatched", tz=settings.timezone
        )
    for code, assignment in kept.items():
        if assignment.role != wanted[code]:
            before, assignment.role = assignment.role, wanted[code]
            transitions.record_event(
                ticket,
                "assignment.role_changed",
                actor=actor,
                now=now,
                assignment=assignment,
                data={"bureau": code, "from": before, "to": assignment.role},
            )
    _create_assignments(
        ticket, [(code, wanted[code]) for code in added], decision, actor=actor, now=now, ref=ref, settings=settings
    )
    pairs = [(a.role, a.status) for a in ticket.assignments]
    if ticket.status == "in_progress" and lifecycle.ready_for_verification(pairs):
        # Re-dispatched to departments that have all finished already: back to review at once.
        transitions.change_ticket(ticket, "submit", actor=actor, now=now)


def _create_assignments(
    ticket: Ticket,
    wanted: list[tuple[str, str]],
    decision: rules_module.Decision,
    *,
    actor: User | None,
    now: datetime,
    ref: Reference,
    settings: Settings,
) -> list[Assignment]:
    tz = settings.timezone
    policy = ref.policy(ticket.urgency) | dict(decision.deadlines or {})
    ticket.deadline_policy = {"sign": dict(policy["sign"]), "feedback": dict(policy["feedback"])}
    sign_due, feedback_due = due_at(now, policy["sign"], tz), due_at(now, policy["feedback"], tz)
    created = []
    with db.session.no_autoflush:
        for code, role in wanted:
            assignment = Assignment(
                ticket=ticket,
                department=ref.departments[code],
                role=role,
                status=AssignmentStatus.PENDING,
                dispatched_at=now,
                sign_due_at=sign_due,
                feedback_due_at=feedback_due,
                created_at=now,
            )
            db.session.add(assignment)
            transitions.schedule_chase(assignment, now, tz)
            created.append(assignment)
    db.session.flush()  # ids for the events and messages; those are written together later
    with db.session.no_autoflush:
        _announce_assignments(ticket, created, decision, actor=actor, now=now, ref=ref, settings=settings)
    return created


def _announce_assignments(
    ticket: Ticket,
    created: list[Assignment],
    decision: rules_module.Decision,
    *,
    actor: User | None,
    now: datetime,
    ref: Reference,
    settings: Settings,
) -> None:
    """The "assignment.created" event and the dispatch SMS to every liaison phone, per assignment."""
    tz = settings.timezone
    directory = Directory() if created else None
    for assignment in created:
        sign_due, feedback_due = assignment.sign_due_at, assignment.feedback_due_at
        reach = directory.reach(("liaisons",), assignment.department)
        transitions.record_event(
            ticket,
            "assignment.created",
            actor=actor,
            now=now,
            assignment=assignment,
            to_status=assignment.status,
            data={
                "bureau": assignment.department.code,
                "role": assignment.role,
                "rule": decision.rule,
                "sign_due_at": sign_due.isoformat(),
                "feedback_due_at": feedback_due.isoformat(),
                **reach.as_data(),
            },
        )
        fields = templates.ticket_fields(ticket, ref.typed, tz, due=sign_due) | {
            "kind": "主办" if assignment.role == "lead" else "协办",
            "link": _ticket_link(ticket, settings),
        }
        if reach.fallback is None:
            body = templates.render("dispatch", feedback_due=templates.local_time(feedback_due, tz), **fields)
        else:  # the department has no liaison phone: the center is asked to tell it another way
            body = templates.render("dispatch_unreachable", bureau=assignment.department.name, **fields)
            log.warning(
                "assignment %s: %s has no liaison phone; told the %s",
                assignment.id,
                assignment.department.code,
                reach.fallback,
            )
        for phone in reach.phones:
            add_message(
                phone,
                body,
                MessageKind.DISPATCH,
                ticket_id=ticket.id,
                assignment_id=assignment.id,
                emergency=ref.typed.is_emergency(ticket.urgency),
            )


# --- rules administration --------------------------------------------------------------------


def _rules_payload(row: RuleSet | None) -> dict[str, Any]:
    if row is None:
        return {"version": 0, "rules": [], "created_at": None, "created_by": None}
    creator = db.session.get(User, row.created_by_id) if row.created_by_id else None
    return {
        "version": row.version,
        "rules": row.rules,
        "created_at": row.created_at,
        "created_by": creator.username if creator else None,
    }


def get_rules(version: int | None = None) -> dict[str, Any]:
    """The rules in force (or one earlier version): ``{"version", "rules", ...}``."""
    query = sa.select(RuleSet)
    query = query.filter_by(version=version) if version is not None else query.order_by(RuleSet.version.desc())
    row = db.session.scalars(query.limit(1)).first()
    if row is None and version is not None:
        raise NotFound(f"规则版本不存在 rules version {version} not found")
    return _rules_payload(row)


def list_rule_versions() -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(RuleSet.version, RuleSet.created_at, User.username, RuleSet.rules)
        .outerjoin(User, User.id == RuleSet.created_by_id)
        .order_by(RuleSet.version.desc())
    )
    return [
        {"version": v, "created_at": at, "created_by": who, "count": len(rules or ())} for v, at, who, rules in rows
    ]


def _summarise(errors: Mapping[str, Any]) -> str:
    """The first few messages of a nested error dict, for the 422 message line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            found.extend(str(m) for m in node)

    walk(errors)
    more = f" (+{len(found) - 3} more)" if len(found) > 3 else ""
    return "; ".join(found[:3]) + more


def replace_rules(
    rules: list[dict[str, Any]], *, actor: User | None, now: datetime, base_version: int | None = None
) -> dict[str, Any]:
    """Validate and store a new rules version (the previous versions are kept).

    ``base_version``, when given, must be the version in force (optimistic locking: 409 if
    someone else changed the rules meanwhile).
    """
    errors = rules_module.validate_rules(rules, reference().known())
    if errors:
        raise ValidationError("规则有误 Invalid rules: " + _summarise(errors), {"rules": errors})
    latest = db.session.scalar(sa.select(sa.func.max(RuleSet.version))) or 0
    if base_version is not None and base_version != latest:
        raise Conflict(
            f"规则已被修改（当前版本 {latest}）the rules changed meanwhile (now version {latest}); reload and retry",
            {"base_version": [f"current version is {latest}"]},
        )
    row = RuleSet(version=latest + 1, rules=rules, created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("规则被同时修改，请重试 the rules were changed concurrently; retry") from exc
    log.info("dispatch rules version %s stored (%s rules)", row.version, len(rules))
    return _rules_payload(row)


def default_rule_set() -> list[dict[str, Any]]:
    """The contract's default rules, derived from the protection types' department lists."""
    types = [
        {"code": r.code, "name": r.name, "departments": list(r.data.get("departments") or ())}
        for r in db.session.scalars(
            sa.select(ReferenceCode).filter_by(kind="protection_type").order_by(ReferenceCode.position)
        )
    ]
    return rules_module.default_rules(types)


def ensure_default_rules(now: datetime | None = None) -> int | None:
    """Store the default rules as version 1 when no rules exist; the new version or None."""
    if db.session.scalar(sa.select(RuleSet.id).limit(1)) is not None:
        return None
    rules = default_rule_set()
    errors = rules_module.validate_rules(rules, reference().known())
    if errors:
        raise ValueError(f"the default rules derived from the reference data are invalid: {errors}")
    db.session.add(RuleSet(version=1, rules=rules, created_at=now or datetime.now(UTC)))
    db.session.commit()
    return 1


def import_rules(payload: Any, *, now: datetime, actor: User | None = None) -> tuple[int, bool]:
    """Load rules exported by ``export_rules`` (or a bare list). Returns (version, changed).

    An import identical to the rules in force stores nothing, so importing the file kept in
    version control on every deployment does not pile up versions.
    """
    rules = payload.get("rules") if isinstance(payload, Mapping) else payload
    current = get_rules()
    if current["version"] and current["rules"] == rules:
        return current["version"], False
    return replace_rules(rules, actor=actor, now=now)["version"], True


def export_rules() -> dict[str, Any]:
    current = get_rules()
    return {"version": current["version"], "rules": current["rules"]}
