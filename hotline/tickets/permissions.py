"""Who may take each step: the one table the API's routes and the pages both read.

``tests/web/test_permissions.py`` walks every route of the app and checks that each one is
public (listed there, with the reason) or guarded by a step of this table, and that it
answers 403 exactly to the roles the table leaves out.

Extending: a new step is a member of ``Step`` and a row of ``PERMISSIONS``; its API route
uses ``step_required(Step.X)`` (``hotline.auth.access``), its page ``page_step(Step.X)``
(``hotline.web.access``), and a template asks ``may('x')``. Which rows a role then sees (a
liaison: their department's) is ``hotline.tracking.scoping``'s business, not this table's.
"""

from __future__ import annotations

from enum import StrEnum

from hotline.tickets.enums import Role


class Step(StrEnum):
    ME = "me"  # one's own account: who am I, sign out a token, change one's password
    LIST_TICKETS = "list_tickets"  # the API list (a liaison's: their department's)
    BROWSE_TICKETS = "browse_tickets"  # the center's ticket list page
    READ_TICKET = "read_ticket"
    LISTEN_RECORDING = "listen_recording"  # a voicemail's recording
    CREATE_TICKET = "create_ticket"
    COMPLETE_TICKET = "complete"  # a `new` ticket's missing facts; corrections after dispatch
    DISPATCH = "dispatch"
    PREVIEW_DISPATCH = "preview_dispatch"
    CLOSE = "close"
    REOPEN = "reopen"
    REVISIT = "revisit"
    CANCEL = "cancel"
    REDACT = "redact"
    WORK = "work"  # 签收, 退单, 反馈, 延期申请: the department's own liaison
    FEEDBACK = "feedback"  # the API's feedback: the liaison's own, or a supervisor's on its behalf
    ON_BEHALF = "on_behalf"  # 代反馈: feedback a department gave by phone or on paper
    WITHDRAW = "withdraw"  # 撤回: take a department off a ticket
    NOTE = "note"  # notes, attachments and the printed work order: anyone who may read the ticket
    DECIDE_RETURN = "decide_return"
    LIST_EXTENSIONS = "list_extensions"
    DECIDE_EXTENSION = "decide_extension"
    CALLS = "calls"  # the call log, the console
    SUPERVISE = "supervise"  # figures, the overdue queue, exports, the board, the monthly report
    READ_SETUP = "read_setup"  # set-up warnings
    READ_RULES = "read_rules"
    EDIT_RULES = "edit_rules"
    READ_CONTACTS = "read_contacts"
    ADMINISTER = "administer"  # departments, streets, users, their contacts, test SMS
    READ_MESSAGES = "read_messages"
    AUDIT = "audit"  # who read which child's data (the access log)
    READ_CHILDREN = "read_children"  # children's files (a street office's: its street's)
    OPEN_CHILD_FILE = "open_child_file"
    KEEP_CHILD_FILE = "keep_child_file"  # edit, visit, close a file; a ticket's child
    IMPORT_CHILDREN = "import_children"  # the survey import


STAFF = frozenset(Role)
CENTER = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})
DECIDERS = frozenset({Role.OPERATOR, Role.SUPERVISOR})
SUPERVISION = frozenset({Role.SUPERVISOR, Role.ADMIN})
OPERATOR = frozenset({Role.OPERATOR})
SUPERVISOR = frozenset({Role.SUPERVISOR})
LIAISON = frozenset({Role.LIAISON})
ADMIN = frozenset({Role.ADMIN})

PERMISSIONS: dict[Step, frozenset[Role]] = {
    Step.ME: STAFF,
    Step.LIST_TICKETS: STAFF,
    Step.BROWSE_TICKETS: CENTER,
    Step.READ_TICKET: STAFF,
    Step.LISTEN_RECORDING: CENTER,
    Step.CREATE_TICKET: OPERATOR,
    Step.COMPLETE_TICKET: DECIDERS,
    Step.DISPATCH: DECIDERS,
    Step.PREVIEW_DISPATCH: CENTER,
    Step.CLOSE: SUPERVISOR,
    Step.REOPEN: SUPERVISOR,
    Step.REVISIT: DECIDERS,
    Step.CANCEL: DECIDERS,
    Step.REDACT: ADMIN,
    Step.WORK: LIAISON,
    Step.FEEDBACK: frozenset({Role.LIAISON, Role.SUPERVISOR}),
    Step.ON_BEHALF: SUPERVISOR,
    Step.WITHDRAW: DECIDERS,
    Step.NOTE: STAFF,
    Step.DECIDE_RETURN: DECIDERS,
    Step.LIST_EXTENSIONS: STAFF,
    Step.DECIDE_EXTENSION: SUPERVISOR,
    Step.CALLS: CENTER,
    Step.SUPERVISE: SUPERVISION,
    Step.READ_SETUP: SUPERVISION,
    Step.READ_RULES: SUPERVISION,
    Step.EDIT_RULES: ADMIN,
    Step.READ_CONTACTS: SUPERVISION,
    Step.ADMINISTER: ADMIN,
    Step.READ_MESSAGES: SUPERVISION,
    Step.AUDIT: SUPERVISION,
    Step.READ_CHILDREN: STAFF,
    Step.OPEN_CHILD_FILE: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.LIAISON}),
    Step.KEEP_CHILD_FILE: STAFF,
    Step.IMPORT_CHILDREN: SUPERVISION,
}


def may(role: str | None, step: Step) -> bool:
    """True when ``role`` may take ``step``."""
    return role is not None and role in PERMISSIONS[step]
