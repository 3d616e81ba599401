"""The transition tables (hotline.tickets.lifecycle), table-driven: every state × every action.

The expected tables below are written out by hand from the contract and the issue, not
copied from the module: a change to the module's tables must change this file too.
"""

from __future__ import annotations

import re

import pytest

from hotline.tickets import lifecycle
from hotline.tickets.lifecycle import TransitionError, step
from hotline.tickets.watched import watched_deadline

PREV = "<previous>"

EXPECTED = {
    "ticket": {
        "new": {"dispatch": "dispatched", "cancel": "cancelled"},
        "dispatched": {"dispatch": "dispatched", "start": "in_progress", "unroute": "new", "cancel": "cancelled"},
        "in_progress": {
            "dispatch": "in_progress",
            "submit": "awaiting_verification",
            "unroute": "new",
            "cancel": "cancelled",
        },
        "awaiting_verification": {
            "dispatch": "in_progress",
            "close": "closed",
            "reopen": "in_progress",
            "unroute": "new",
            "cancel": "cancelled",
        },
        "closed": {"reopen": "in_progress", "revisit": "closed"},
        "cancelled": {},
    },
    "assignment": {
        "pending": {
            "accept": "accepted",
            "request_return": "return_requested",
            "extend": "pending",
            "reopen": "pending",
            "withdraw": "withdrawn",
        },
        "accepted": {
            "request_return": "return_requested",
            "feedback": "accepted",
            "final_feedback": "completed",
            "extend": "accepted",
            "reopen": "accepted",
            "withdraw": "withdrawn",
        },
        "return_requested": {"approve_return": "returned", "reject_return": PREV, "withdraw": "withdrawn"},
        "returned": {},
        "completed": {"reopen": "accepted", "correct_feedback": "completed", "withdraw": "withdrawn"},
        # A withdrawn order is final, like returned.
        "withdrawn": {},
    },
    "extension": {
        "pending": {"approve": "approved", "reject": "rejected"},
        "approved": {},
        "rejected": {},
    },
}

CASES = [
    (kind, state, action, EXPECTED[kind][state].get(action))
    for kind, states in EXPECTED.items()
    for state in states
    for action in lifecycle.ACTIONS[kind]
]


def test_every_state_and_action_is_covered():
    for kind in EXPECTED:
        assert set(EXPECTED[kind]) == set(lifecycle.STATES[kind])
        assert {a for (_, a) in lifecycle.TABLES[kind]} <= set(lifecycle.ACTIONS[kind])


@pytest.mark.parametrize(("kind", "state", "action", "target"), CASES, ids=[f"{k}:{s}:{a}" for k, s, a, _ in CASES])
def test_transition(kind, state, action, target):
    if target is None:
        with pytest.raises(TransitionError) as info:
            step(kind, state, action)
        assert info.value.current == state and info.value.action == action
        assert f"'{state}'" in str(info.value)
        assert info.value.allowed == sorted(EXPECTED[kind][state])
    elif target == PREV:
        for previous in ("pending", "accepted"):
            assert step(kind, state, action, previous=previous) == previous
        with pytest.raises(TransitionError):
            step(kind, state, action, previous=None)
        with pytest.raises(TransitionError):
            step(kind, state, action, previous="completed")  # only a state a return can come from
    else:
        assert step(kind, state, action) == target


def test_allowed_actions_lists_the_table():
    assert lifecycle.allowed_actions("ticket", "closed") == ["reopen", "revisit"]
    assert lifecycle.allowed_actions("ticket", "cancelled") == []


@pytest.mark.parametrize(
    ("status", "before", "watched"),
    [
        ("pending", None, "sign"),
        ("accepted", None, "feedback"),
        ("return_requested", "pending", "sign"),
        ("return_requested", "accepted", "feedback"),
        ("returned", None, None),
        ("completed", None, None),
    ],
)
def test_watched_deadline_keeps_running_while_a_return_waits(status, before, watched):
    assert watched_deadline(status, before) == watched


@pytest.mark.parametrize(
    ("pairs", "ready"),
    [
        ([("lead", "completed")], True),
        ([("lead", "completed"), ("assist", "completed")], True),
        ([("lead", "completed"), ("assist", "returned")], True),
        ([("lead", "completed"), ("assist", "accepted")], False),
        ([("lead", "completed"), ("assist", "return_requested")], False),
        ([("lead", "returned"), ("assist", "completed")], False),  # no lead: back to triage instead
        ([("lead", "returned")], False),
        ([("lead", "completed"), ("assist", "withdrawn")], True),  # taken off: owes nothing
        ([("lead", "withdrawn"), ("lead", "completed")], True),  # re-dispatched to a new lead
        ([("lead", "withdrawn"), ("assist", "completed")], False),
        ([], False),
    ],
)
def test_ready_for_verification(pairs, ready):
    assert lifecycle.ready_for_verification(pairs) is ready


def test_has_lead():
    assert lifecycle.has_lead([("lead", "accepted"), ("assist", "pending")])
    assert lifecycle.has_lead([("lead", "completed")])
    assert not lifecycle.has_lead([("lead", "returned"), ("assist", "accepted")])
    assert not lifecycle.has_lead([("lead", "withdrawn"), ("assist", "accepted")])


def test_extension_calendar_follows_each_urgencys_feedback_calendar_in_the_data_file():
    from hotline.reference.services import load_file
    from hotline.tickets.reference import build_reference, extension_in_working_days

    data = load_file()
    rows = [{"code": u["code"], "name": u["name"], "data": u, "position": i} for i, u in enumerate(data["urgencies"])]
    ref = build_reference(1, rows, [], [])
    for urgency in data["urgencies"]:
        working = urgency["feedback"]["calendar"] == "working_days"
        assert ref.deadline_urgency(urgency["code"]).extension_in_working_days is working
    assert ref.deadline_urgency(None).extension_in_working_days  # undecided: the default urgency's
    # A rule's own policy, kept on the ticket, decides over the urgency's.
    clock = {"sign": {"unit": "hours", "amount": 4}, "feedback": {"unit": "days", "amount": 3, "calendar": "clock"}}
    assert not extension_in_working_days(ref.applied_policy(clock, "normal"))
    assert extension_in_working_days(ref.applied_policy(None, "normal"))


def test_revisit_outcomes():
    assert set(lifecycle.REVISIT_OUTCOMES) == {"satisfied", "basically_satisfied", "unsatisfied", "unreachable"}
    assert lifecycle.SATISFIED_OUTCOMES == {"satisfied", "basically_satisfied"}
    assert lifecycle.REOPENING_OUTCOMES == {"unsatisfied"}
    assert "unreachable" not in lifecycle.REACHED_OUTCOMES


PUBLIC_TEXTS = [
    *lifecycle.PUBLIC_NOTES.values(),
    lifecycle.REOPENED_NOTE,
    lifecycle.UNROUTED_NOTE,
    lifecycle.EXTENDED_NOTE,
    lifecycle.REVISITED_NOTE,
]


def test_public_notes_cover_every_ticket_state_in_plain_chinese():
    assert set(lifecycle.PUBLIC_NOTES) == set(lifecycle.TICKET_STATES)
    for text in PUBLIC_TEXTS:
        assert re.search(r"[\u4e00-\u9fff]", text)
        assert not re.search(r"[A-Za-z_]{3,}", text), text  # no codes or English state names
        assert not re.search(r"\d{3,}", text)  # no numbers (phones, codes)
        assert "局" not in text and "办事处" not in text  # no department named
