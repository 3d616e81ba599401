"""Two simultaneous sign-fors of one assignment: one 200, one 409, one accept recorded.

Two ways, on whichever backend the suite runs (CI runs both, PostgreSQL included):

* real concurrent requests: a gunicorn server with several worker processes, and bursts of
  simultaneous POST /accept from threads released together by a barrier;
* a forced interleaving in one process: two threads, each with its own app context, session
  and database connection, are held at their first flush until both have read the row, so
  both write against the same version and the optimistic lock (the ``version`` columns)
  must decide — the loser answers 409 from the state the winner left.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.extensions import db
from hotline.models import Assignment, Ticket, TicketEvent
from tests.factories import make_ticket, staff
from tests.live_server import gunicorn

ATTEMPTS = 4  # simultaneous accepts per assignment
TICKETS = 6


@pytest.fixture
def server(app, service_env, tmp_path):
    with gunicorn(dict(service_env), tmp_path / "gunicorn.log", workers=4) as base:
        yield base


def accept_events(assignment_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.assignment_id == assignment_id, TicketEvent.action == "assignment.accept")
    )


def test_simultaneous_accepts_through_a_real_server(server, client):
    _, api = staff(client, "liaison", "civil_affairs")
    token = api.token
    tickets = [make_ticket([("civil_affairs", "lead"), ("public_security", "assist")]) for _ in range(TICKETS)]
    targets = [t.assignments[0].id for t in tickets]

    barrier = threading.Barrier(ATTEMPTS)

    def accept(assignment_id: int) -> int:
        with requests.Session() as http:
            barrier.wait()
            response = http.post(
                f"{server}/api/v1/assignments/{assignment_id}/accept",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            if response.status_code != 200:
                assert response.json()["code"] == response.status_code  # a JSON error, never a 500 page
            return response.status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        for assignment_id in targets:
            codes = sorted(pool.map(accept, [assignment_id] * ATTEMPTS))
            assert codes == [200] + [409] * (ATTEMPTS - 1), codes

    db.session.expire_all()
    for ticket, assignment_id in zip(tickets, targets, strict=True):
        assert db.session.get(Assignment, assignment_id).status == "accepted"
        assert accept_events(assignment_id) == 1
        assert db.session.get(Ticket, ticket.id).status == "in_progress"
        starts = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "start")
        )
        assert starts == 1


def test_the_optimistic_lock_decides_a_forced_race(app, client):
    """Both requests read version 1 before either writes: the version check must refuse one."""
    _, api = staff(client, "liaison", "civil_affairs")
    ticket = make_ticket([("civil_affairs", "lead")])
    assignment_id = ticket.assignments[0].id
    racers = {"racer-1", "racer-2"}
    barrier = threading.Barrier(2, timeout=30)
    held: set[str] = set()

    def hold_first_flush(session, flush_context, instances):
        name = threading.current_thread().name
        if name in racers and name not in held:
            held.add(name)
            barrier.wait()

    results: dict[str, tuple[int, dict]] = {}

    def racer():
        # A thread has no app context: the request gets its own, hence its own session and connection.
        response = app.test_client().post(
            f"/api/v1/assignments/{assignment_id}/accept", headers={"Authorization": f"Bearer {api.token}"}
        )
        results[threading.current_thread().name] = (response.status_code, response.json)

    event.listen(Session, "before_flush", hold_first_flush)
    try:
        threads = [threading.Thread(target=racer, name=name) for name in sorted(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(Session, "before_flush", hold_first_flush)

    codes = sorted(code for code, _ in results.values())
    assert codes == [200, 409], results
    loser = next(body for code, body in results.values() if code == 409)
    assert loser["errors"]["status"] == ["accepted"]  # answered from the winner's state after a fresh read
    db.session.expire_all()
    assert accept_events(assignment_id) == 1
    assert db.session.get(Assignment, assignment_id).version == 2
