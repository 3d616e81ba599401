"""The work-order lifecycle as data: one transition table per kind of record.

Pure: the standard library only. Services never assign a ``status`` themselves; they ask
``step()`` for the next state, which refuses (``TransitionError``) any step the table does
not allow from the current state. The workflow is the government hotline's
受理 → 派单 → 签收 → 办理 → 反馈 → 审核 → 办结 → 回访, with 退单 (return) and 延期 (extension).

Tickets
    new ──dispatch──▶ dispatched ──start (first sign-for)──▶ in_progress
    in_progress ──submit (every non-returned assignment gave final feedback)──▶ awaiting_verification
    awaiting_verification ──close──▶ closed ──revisit──▶ closed
    awaiting_verification | closed ──reopen (supervisor, or an unsatisfied revisit)──▶ in_progress
    dispatched | in_progress | awaiting_verification ──unroute (no lead left: its return was
        approved, or the center took it off)──▶ new
    any open state ──cancel (duplicate or invalid)──▶ cancelled

Assignments (one per department and ticket)
    pending ──accept──▶ accepted ──final_feedback──▶ completed
    pending | accepted ──request_return──▶ return_requested
    return_requested ──approve_return──▶ returned;  ──reject_return──▶ the state before the request
    completed | accepted | pending ──reopen──▶ accepted | accepted | pending (new deadlines)
    pending | accepted | return_requested | completed ──withdraw──▶ withdrawn
        (the center took the department off: cancelled, re-dispatched without it, or 撤回;
        unlike ``returned`` the department never asked, so it is not counted as a return)

While a return waits (``return_requested``) the assignment's clocks keep running: the deadline
watched is the one of the state before the request (``watched_deadline``).
"""

from __future__ import annotations

from enum import StrEnum

from hotline.tickets.enums import AssignmentStatus as AS
from hotline.tickets.enums import ExtensionStatus as ES
from hotline.tickets.enums import TicketStatus as TS


class TransitionError(Exception):
    def __init__(self, kind: str, current: str, action: str):
        self.kind, self.current, self.action = kind, current, action
        allowed = allowed_actions(kind, current)
        self.allowed = allowed
        super().__init__(
            f"{kind} is '{current}': '{action}' is not allowed now"
            + (f" (allowed: {', '.join(allowed)})" if allowed else " (no step is allowed)")
        )


class TicketAction(StrEnum):
    DISPATCH = "dispatch"  # 派单 / re-dispatch
    START = "start"  # the first department signed for it
    SUBMIT = "submit"  # every live assignment gave final feedback: 待审核
    CLOSE = "close"  # 办结 after review
    REOPEN = "reopen"  # back to work with new deadlines (supervisor, or an unsatisfied revisit)
    REVISIT = "revisit"  # 回访 recorded on a closed ticket
    UNROUTE = "unroute"  # every lead returned its order: back to the triage queue
    CANCEL = "cancel"  # duplicate or invalid


class AssignmentAction(StrEnum):
    ACCEPT = "accept"  # 签收
    REQUEST_RETURN = "request_return"  # 退单申请
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"  # back to the state before the request (the dispatch is binding)
    FEEDBACK = "feedback"  # interim 反馈
    FINAL_FEEDBACK = "final_feedback"
    CORRECT_FEEDBACK = "correct_feedback"  # a corrected final feedback, until the center closes
    EXTEND = "extend"  # an approved 延期 moves the feedback deadline
    REOPEN = "reopen"  # the ticket was reopened: work again with new deadlines
    WITHDRAW = "withdraw"  # 撤回: the center took the department off (cancel, re-dispatch, or by hand)


class ExtensionAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


# The state before a return request is remembered on the row; REJECT_RETURN restores it.
PREVIOUS = "<previous>"

TICKET: dict[tuple[str, str], str] = {
    (TS.NEW, TicketAction.DISPATCH): TS.DISPATCHED,
    (TS.DISPATCHED, TicketAction.DISPATCH): TS.DISPATCHED,
    (TS.IN_PROGRESS, TicketAction.DISPATCH): TS.IN_PROGRESS,
    (TS.AWAITING_VERIFICATION, TicketAction.DISPATCH): TS.IN_PROGRESS,
    (TS.DISPATCHED, TicketAction.START): TS.IN_PROGRESS,
    (TS.IN_PROGRESS, TicketAction.SUBMIT): TS.AWAITING_VERIFICATION,
    (TS.AWAITING_VERIFICATION, TicketAction.CLOSE): TS.CLOSED,
    (TS.AWAITING_VERIFICATION, TicketAction.REOPEN): TS.IN_PROGRESS,
    (TS.CLOSED, TicketAction.REOPEN): TS.IN_PROGRESS,
    (TS.CLOSED, TicketAction.REVISIT): TS.CLOSED,
    (TS.DISPATCHED, TicketAction.UNROUTE): TS.NEW,
    (TS.IN_PROGRESS, TicketAction.UNROUTE): TS.NEW,
    (TS.AWAITING_VERIFICATION, TicketAction.UNROUTE): TS.NEW,
    (TS.NEW, TicketAction.CANCEL): TS.CANCELLED,
    (TS.DISPATCHED, TicketAction.CANCEL): TS.CANCELLED,
    (TS.IN_PROGRESS, TicketAction.CANCEL): TS.CANCELLED,
    (TS.AWAITING_VERIFICATION, TicketAction.CANCEL): TS.CANCELLED,
}

ASSIGNMENT: dict[tuple[str, str], str] = {
    (AS.PENDING, AssignmentAction.ACCEPT): AS.ACCEPTED,
    (AS.PENDING, AssignmentAction.REQUEST_RETURN): AS.RETURN_REQUESTED,
    (AS.ACCEPTED, AssignmentAction.REQUEST_RETURN): AS.RETURN_REQUESTED,
    (AS.RETURN_REQUESTED, AssignmentAction.APPROVE_RETURN): AS.RETURNED,
    (AS.RETURN_REQUESTED, AssignmentAction.REJECT_RETURN): PREVIOUS,
    (AS.ACCEPTED, AssignmentAction.FEEDBACK): AS.ACCEPTED,
    (AS.ACCEPTED, AssignmentAction.FINAL_FEEDBACK): AS.COMPLETED,
    (AS.COMPLETED, AssignmentAction.CORRECT_FEEDBACK): AS.COMPLETED,
    (AS.ACCEPTED, AssignmentAction.EXTEND): AS.ACCEPTED,
    (AS.PENDING, AssignmentAction.EXTEND): AS.PENDING,
    (AS.COMPLETED, AssignmentAction.REOPEN): AS.ACCEPTED,
    (AS.ACCEPTED, AssignmentAction.REOPEN): AS.ACCEPTED,
    (AS.PENDING, AssignmentAction.REOPEN): AS.PENDING,
    (AS.PENDING, AssignmentAction.WITHDRAW): AS.WITHDRAWN,
    (AS.ACCEPTED, AssignmentAction.WITHDRAW): AS.WITHDRAWN,
    (AS.RETURN_REQUESTED, AssignmentAction.WITHDRAW): AS.WITHDRAWN,
    (AS.COMPLETED, AssignmentAction.WITHDRAW): AS.WITHDRAWN,
}

EXTENSION: dict[tuple[str, str], str] = {
    (ES.PENDING, ExtensionAction.APPROVE): ES.APPROVED,
    (ES.PENDING, ExtensionAction.REJECT): ES.REJECTED,
}

TABLES = {"ticket": TICKET, "assignment": ASSIGNMENT, "extension": EXTENSION}

TICKET_STATES = tuple(TS)
ASSIGNMENT_STATES = tuple(AS)
EXTENSION_STATES = tuple(ES)
STATES = {"ticket": TICKET_STATES, "assignment": ASSIGNMENT_STATES, "extension": EXTENSION_STATES}
ACTIONS = {"ticket": tuple(TicketAction), "assignment": tuple(AssignmentAction), "extension": tuple(ExtensionAction)}

# Assignment states in which a department still owes work (and the chaser still watches).
LIVE_ASSIGNMENT_STATES = frozenset({AS.PENDING, AS.ACCEPTED, AS.RETURN_REQUESTED})
# Assignment states in which a department is off the ticket: it owes nothing and sees nothing.
ENDED_ASSIGNMENT_STATES = frozenset({AS.RETURNED, AS.WITHDRAWN})
# Ticket states in which work is still open.
OPEN_TICKET_STATES = frozenset({TS.NEW, TS.DISPATCHED, TS.IN_PROGRESS, TS.AWAITING_VERIFICATION})
# The states a return request may come from, hence the states a rejected return restores.
RETURNABLE_STATES = frozenset(s for (s, a) in ASSIGNMENT if a == AssignmentAction.REQUEST_RETURN)

# Revisit (回访) outcomes; the first two count as satisfied for 满意率, ``unsatisfied`` reopens.
REVISIT_OUTCOMES = ("satisfied", "basically_satisfied", "unsatisfied", "unreachable")
SATISFIED_OUTCOMES = frozenset({"satisfied", "basically_satisfied"})
REACHED_OUTCOMES = frozenset({"satisfied", "basically_satisfied", "unsatisfied"})
REOPENING_OUTCOMES = frozenset({"unsatisfied"})

# Extensions: days per request, and in all for one assignment (the plan's "at most 10 working days").
EXTENSION_MIN_DAYS = 1
EXTENSION_MAX_DAYS = 10

# What the reporter's look-up says when the ticket enters a state. Plain Chinese, no names.
PUBLIC_NOTES: dict[str, str] = {
    "new": "我们已收到您的报告，正在安排相关部门处理。",
    "dispatched": "您的报告已转交相关部门办理。",
    "in_progress": "相关部门已签收，正在办理。",
    "awaiting_verification": "相关部门已反馈办理情况，热线中心正在审核。",
    "closed": "您反映的问题已办结。感谢您对困境儿童的关心。",
    "cancelled": "本报告已撤销（重复或无效报告）。如有疑问请致电热线。",
}
REOPENED_NOTE = "您反映的问题已重新交办，相关部门将继续办理。"
UNROUTED_NOTE = "您的报告正在重新安排承办部门。"
EXTENDED_NOTE = "承办部门申请延期办理，热线中心已批准，办理期限相应延长。"
REVISITED_NOTE = "热线中心已对办理结果进行回访，感谢您的反馈。"
# Steps whose public note says more than the state entered does.
ACTION_PUBLIC_NOTES: dict[str, str] = {"reopen": REOPENED_NOTE, "unroute": UNROUTED_NOTE}


def step(kind: str, current: str, action: str, previous: str | None = None) -> str:
    """The state after ``action`` from ``current``, or TransitionError."""
    target = TABLES[kind].get((current, action))
    if target is None:
        raise TransitionError(kind, current, action)
    if target == PREVIOUS:
        if previous not in RETURNABLE_STATES:
            raise TransitionError(kind, current, action)
        return previous
    return target


def allowed_actions(kind: str, current: str) -> list[str]:
    return sorted(a for (s, a) in TABLES[kind] if s == current)


def ready_for_verification(assignments: list[tuple[str, str]]) -> bool:
    """True when every assignment still on the ticket is completed and a lead is among them.

    ``assignments`` are ``(role, status)`` pairs of one ticket.
    """
    remaining = [(role, status) for role, status in assignments if status not in ENDED_ASSIGNMENT_STATES]
    return bool(remaining) and all(s == "completed" for _, s in remaining) and any(r == "lead" for r, _ in remaining)


def has_lead(assignments: list[tuple[str, str]]) -> bool:
    """True while a lead department still holds the ticket (any lead not returned or withdrawn)."""
    return any(role == "lead" and status not in ENDED_ASSIGNMENT_STATES for role, status in assignments)
