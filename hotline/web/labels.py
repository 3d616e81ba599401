"""Words shown for the codes the services use (statuses, roles, channels, event actions).

Reference codes (protection types, streets, departments...) carry their own Chinese and
English names as data; these are the fixed vocabularies of the code itself.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.tickets.enums import AssignmentStatus, ExtensionStatus

TICKET_STATUS = {
    "new": _l("New (to dispatch)"),
    "dispatched": _l("Dispatched"),
    "in_progress": _l("In progress"),
    "awaiting_verification": _l("Awaiting verification"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}

# What the reporter's look-up calls each status (plain words, no internal steps).
PUBLIC_STATUS = {
    "new": _l("Received, being arranged"),
    "dispatched": _l("Passed to the departments responsible"),
    "in_progress": _l("Being handled"),
    "awaiting_verification": _l("Handled, being checked"),
    "closed": _l("Completed"),
    "cancelled": _l("Withdrawn"),
}

ASSIGNMENT_STATUS = {
    AssignmentStatus.PENDING: _l("To sign for"),
    "accepted": _l("Signed for"),
    "return_requested": _l("Return requested"),
    "returned": _l("Returned"),
    "completed": _l("Completed"),
    "withdrawn": _l("Taken off"),
}

ASSIGNMENT_ROLE = {"lead": _l("Lead"), "assist": _l("Assisting")}

EXTENSION_STATUS = {
    ExtensionStatus.PENDING: _l("Pending"),
    ExtensionStatus.APPROVED: _l("Approved"),
    ExtensionStatus.REJECTED: _l("Rejected"),
}

ROLE = {
    "operator": _l("Operator"),
    "liaison": _l("Liaison"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
}

CHANNEL = {
    "phone": _l("Phone"),
    "sms": _l("SMS"),
    "voicemail": _l("Voicemail"),
    "web": _l("Web"),
    "walk_in": _l("Walk-in"),
    "visit": _l("Visit referral"),
}

CALL_STATUS = {
    "ringing": _l("Ringing"),
    "in_progress": _l("On the line"),
    "completed": _l("Completed"),
    "missed": _l("Missed"),
    "called_back": _l("Called back"),
}

GENDER = {"male": _l("Boy"), "female": _l("Girl"), "unknown": _l("Not known")}


def gender_choices() -> list[tuple[str, str]]:
    """One 不清楚: the empty choice (nothing stored) stands for "not known"."""
    return [("", str(GENDER["unknown"]))] + [(code, str(GENDER[code])) for code in ("male", "female")]


# What each protection type means, in the public's words (the form shows it under the box).
PROTECTION_HINT = {
    "relief": _l("The child has nobody to look after them, lives on the street or the family cannot get by."),
    "education": _l("The child does not go to school, has dropped out or needs help to keep studying."),
    "judicial": _l("The child is hurt, abused, exploited or in trouble with the law."),
    "employment": _l("The parents or guardians have no work or income and need help finding a job."),
    "medical": _l("The child is ill or disabled and cannot get or pay for treatment."),
    "mental": _l("The child is very sad, frightened, withdrawn or behaves in a worrying way."),
}

REVISIT_OUTCOME = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "unsatisfied": _l("Unsatisfied"),
    "unreachable": _l("Unreachable"),
}

DEADLINE_KIND = {"sign": _l("Sign-for"), "feedback": _l("Feedback"), "visit": _l("Visit")}

RISK = {"high": _l("High risk"), "medium": _l("Medium risk"), "low": _l("Low risk")}

VISIT_KIND = {"home": _l("Home visit"), "phone": _l("Phone call"), "school": _l("School visit"), "other": _l("Other")}

FILE_STATUS = {"open": _l("Open"), "closed": _l("Closed")}

ESCALATION_LEVEL = {
    0: _l("Not escalated yet"),
    1: _l("Level 1: department"),
    2: _l("Level 2: protection center"),
    3: _l("Level 3: leading group office"),
}

# Timeline entries: event actions as the services record them (unknown ones show raw).
EVENT_ACTION = {
    "created": _l("Registered"),
    "completed": _l("Details completed"),
    "edited": _l("Details edited"),
    "dispatch": _l("Dispatched"),
    "dispatch.unrouted": _l("No rule could dispatch it"),
    "start": _l("Work started"),
    "submit": _l("All feedback in, awaiting verification"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
    "revisit": _l("Revisit recorded"),
    "unroute": _l("Back to the triage queue"),
    "cancel": _l("Cancelled"),
    "read": _l("Full record viewed"),
    "assignment.created": _l("Assigned to a department"),
    "assignment.role_changed": _l("Role changed"),
    "assignment.accept": _l("Signed for"),
    "assignment.request_return": _l("Return requested"),
    "assignment.approve_return": _l("Return approved"),
    "assignment.reject_return": _l("Return rejected"),
    "assignment.feedback": _l("Interim feedback"),
    "assignment.final_feedback": _l("Final feedback"),
    "assignment.correct_feedback": _l("Final feedback corrected"),
    "assignment.extend": _l("Extension approved"),
    "assignment.reopen": _l("Assignment reopened"),
    "assignment.withdraw": _l("Assignment withdrawn"),
    "extension.request": _l("Extension requested"),
    "extension.approve": _l("Extension approved"),
    "extension.reject": _l("Extension rejected"),
    "extension.public": _l("Reporter told of the extension"),
    "patch": _l("Details edited"),
    "repeat.linked": _l("Linked to an earlier report"),
    "reminder": _l("Reminder sent"),
    "escalation.level1": _l("Escalated: level 1 (department)"),
    "escalation.level2": _l("Escalated: level 2 (protection center)"),
    "escalation.level3": _l("Escalated: level 3 (leading group office)"),
    "note.added": _l("Note added"),
    "attachment.added": _l("File attached"),
}


MESSAGE_STATUS = {
    "queued": _l("Queued"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
}

MESSAGE_KIND = {
    "dispatch": _l("Dispatch notice"),
    "reminder": _l("Reminder"),
    "escalation": _l("Escalation"),
    "alert": _l("Emergency alert"),
    "reply": _l("Reply to a reporter"),
    "notice": _l("Notice"),
    "digest": _l("Daily digest"),
}

REACH_GROUP = {
    "liaisons": _l("the department's liaisons"),
    "heads": _l("the department's heads"),
    "center": _l("the protection center"),
    "leading_group": _l("the leading group office"),
    "center_office": _l("the center's contacts (fallback)"),
    "supervisors": _l("supervisors (fallback)"),
}


LINK_REASON = {"child": _l("same child"), "address": _l("same address"), "reporter_phone": _l("same reporter phone")}


def label(table: dict, code) -> str:
    value = table.get(code)
    return str(value) if value is not None else ("" if code is None else str(code))


def event_label(code: str | None) -> str:
    """A timeline entry's name; a step added without a name here reads "其他记录", never a code."""
    if code in EVENT_ACTION:
        return str(EVENT_ACTION[code])
    return str(_l("Other step")) if code else ""


# How a child's data was read (the access log's ``via``; hotline.audit.record_access).
VIA = {
    "api": _l("Ticket read through the API"),
    "web": _l("Ticket page"),
    "export": _l("Export"),
    "patch": _l("Details edited"),
    "dispatch": _l("Dispatch"),
    "call": _l("Caller's earlier reports"),
    "recording": _l("Voicemail played (API)"),
    "recording:web": _l("Voicemail played"),
    "redact": _l("Redaction"),
    "print": _l("Work order printed"),
    "attachment": _l("Attachment opened through the API"),
    "web-attachment": _l("Attachment opened"),
    "child.api": _l("Child's file read through the API"),
    "child.web": _l("Child's file page"),
    "child.create": _l("Child's file created"),
    "child.list": _l("Children's files list"),
    "child.update": _l("Child's file edited"),
    "child.close": _l("Child's file closed"),
    "child.link": _l("Ticket linked to a child's file"),
    "child.suggest": _l("Child's file suggested for a ticket"),
}


def via_label(code: str | None) -> str:
    """How a read happened, in words; a new way of reading not named here shows its code."""
    return label(VIA, code)


# Steps of issue 11 in a ticket's timeline: corrections, redaction, the retention job.
EVENT_ACTION.update(
    {
        "corrected": _l("Details corrected"),
        "redact": _l("Personal data removed by an administrator"),
        "pseudonymise": _l("Personal data removed at the end of the retention period"),
    }
)

# The fields those steps name (never their values).
FIELD = {
    "child": _l("the child"),
    "child.name": _l("the child's name"),
    "child.age": _l("the child's age"),
    "child.gender": _l("the child's gender"),
    "reporter": _l("the reporter"),
    "reporter.name": _l("the reporter's name"),
    "reporter.phone": _l("the reporter's phone"),
    "reporter.anonymous": _l("anonymity"),
    "address": _l("the detailed address"),
    "location.address": _l("the detailed address"),
    "location.street": _l("the street"),
    "description": _l("the description"),
    "feedback": _l("feedback texts"),
    "recording": _l("the voicemail"),
    "protection_types": _l("protection types"),
    "subject_categories": _l("the child's situation"),
    "urgency": _l("urgency"),
}


def field_label(code: str | None) -> str:
    return label(FIELD, code)
