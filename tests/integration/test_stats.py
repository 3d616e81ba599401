"""The figures of GET /api/v1/stats from a seeded history, with the right answers worked out by hand.

Every step goes through the real services with an explicit clock. Times are Asia/Shanghai
(UTC+8); March 2026 has no holidays, so for `normal` tickets sign-for is due one working day
after dispatch and feedback five working days after (the same time of day).

The history (period 2026-03-01..2026-03-31, figures as of Fri 20 Mar 12:00):

T1  Mon 02 Mar 09:00  civil_affairs lead + street:jiangyuan assist
    CA signs 02 Mar 15:00 (due 03 Mar 09:00: on time); final feedback 06 Mar 10:00 (due 09 Mar 09:00: on time)
    ST signs 03 Mar 10:00 (late); final feedback 10 Mar 10:00 (late) → awaiting verification
    closed 10 Mar 11:00; revisit 11 Mar: satisfied
T2  Tue 03 Mar 09:00  civil_affairs lead
    CA asks to return it 10:00, approved 11:00 → no lead → ticket new
    re-dispatched 12:00 to education (sign due 04 Mar 12:00, feedback due 10 Mar 12:00)
    ED signs 04 Mar 11:00 (on time); asks 2 days on 09 Mar, approved → feedback due 12 Mar 12:00
    ED final feedback 11 Mar 16:00 (on time); closed 12 Mar 09:00
    revisit 13 Mar 10:00: unsatisfied → reopened, feedback due 20 Mar 10:00 (5 working days)
    ED final feedback 19 Mar 09:00 (on time); closed 19 Mar 10:00; revisit 19 Mar 15:00: unreachable
T3  Wed 04 Mar 09:00  civil_affairs lead; never signed (sign-for due 05 Mar 09:00: overdue now)
T4  Fri 20 Mar 09:00  education lead; not signed yet (due Mon 23 Mar 09:00: not decided)
T5  Mon 09 Mar 09:00  civil_affairs lead + education assist
    CA signs 09 Mar 10:00 (on time); ED signs 10 Mar 10:00 (due 10 Mar 09:00: late)
    cancelled 11 Mar 09:00 (duplicate): both orders withdrawn
T6  Fri 27 Feb 09:00  civil_affairs lead (before the period: counts nowhere); signed 02 Mar (late)
T7  Tue 10 Mar 09:00  street:jiangyuan lead; signs 12:00 (on time); feedback due 17 Mar 09:00 missed
    (overdue now); asks 3 days on 16 Mar, rejected

Worked out (count/of):
                    civil_affairs     education          street            total
assigned            4/9  .4444        3/9  .3333         2/9  .2222        9/9  1.0
signed_on_time      2/3  (T1,T5 of    1/2  (T2 of T2,T5; 1/2  (T7)         4/7  .5714
                    T1,T3,T5; T2 left T4 undecided)
                    unsigned)
feedback_on_time    1/2  (T1 of T1,T3) 1/1 (T2; T4 not   0/2  (T1 late,    2/5  .4
                                       due, T5 withdrawn) T7 overdue)
returned            1/4  (T2)         0/3                0/2               1/9
extended            0/4               1/3  (T2)          0/2 (rejected)    1/9
reopened            0/4               1/3  (T2)          0/2               1/9
open_overdue        1/4  (T3)         0/3                1/2  (T7)         2/9
revisits            1/1  (T1 of T1;   1/1  (T2 of T2;    1/1  (T1 of T1;   2/2  (T1,T2 of T1,T2,T3,T4,T7
                    T3 never closed)  T4 open)           T7 open)          handled; closed: T1,T2)
satisfaction        1/1  (T1)         0/1  (T2: latest   1/1  (T1)         1/2
                                      reached revisit is
                                      unsatisfied)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from hotline.dispatch.services import dispatch_ticket
from hotline.reporting.stats import compute_stats
from hotline.settings import current_settings
from hotline.tracking import services
from tests.factories import make_ticket

CST = timezone(timedelta(hours=8))
TZ = "Asia/Shanghai"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=CST)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


@pytest.fixture
def history(app, make_user):
    ca = make_user("ca", "liaison", bureau="civil_affairs")
    ed = make_user("ed", "liaison", bureau="education")
    st = make_user("st", "liaison", bureau="street:jiangyuan")
    sup = make_user("sup", "supervisor")
    op = make_user("op", "operator")
    s = services

    t1 = make_ticket([("civil_affairs", "lead"), ("street:jiangyuan", "assist")], at=at(2, 9))
    t1_ca, t1_st = t1.assignments
    s.accept_assignment(t1_ca.id, actor=ca, now=at(2, 15), settings=current_settings())
    s.add_feedback(t1_ca.id, "已救助", True, actor=ca, now=at(6, 10), settings=current_settings())
    s.accept_assignment(t1_st.id, actor=st, now=at(3, 10), settings=current_settings())
    s.add_feedback(t1_st.id, "已探访", True, actor=st, now=at(10, 10), settings=current_settings())
    assert t1.status == "awaiting_verification"
    s.close_ticket(t1.id, "办结", actor=sup, now=at(10, 11), settings=current_settings())
    s.revisit_ticket(t1.id, "satisfied", None, actor=op, now=at(11, 10), settings=current_settings())

    t2 = make_ticket([("civil_affairs", "lead")], at=at(3, 9))
    t2_ca = t2.assignments[0]
    s.request_return(t2_ca.id, "不属于本局", actor=ca, now=at(3, 10), settings=current_settings())
    s.approve_return(t2_ca.id, actor=sup, now=at(3, 11), settings=current_settings())
    assert t2.status == "new"
    dispatch_ticket(
        t2.id, [{"bureau": "education", "role": "lead"}], actor=op, now=at(3, 12), settings=current_settings()
    )
    t2_ed = next(a for a in t2.assignments if a.bureau == "education")
    assert t2_ed.feedback_due_at == at(10, 12)
    s.accept_assignment(t2_ed.id, actor=ed, now=at(4, 11), settings=current_settings())
    ext = s.request_extension(t2_ed.id, 2, "需协调", actor=ed, now=at(9, 10), settings=current_settings())
    s.approve_extension(ext.id, actor=sup, now=at(9, 11), settings=current_settings())
    assert t2_ed.feedback_due_at == at(12, 12)
    s.add_feedback(t2_ed.id, "已劝返入学", True, actor=ed, now=at(11, 16), settings=current_settings())
    s.close_ticket(t2.id, "办结", actor=sup, now=at(12, 9), settings=current_settings())
    s.revisit_ticket(t2.id, "unsatisfied", "孩子仍未上学", actor=op, now=at(13, 10), settings=current_settings())
    assert t2.status == "in_progress" and t2_ed.feedback_due_at == at(20, 10)
    s.add_feedback(t2_ed.id, "已到校", True, actor=ed, now=at(19, 9), settings=current_settings())
    s.close_ticket(t2.id, "办结", actor=sup, now=at(19, 10), settings=current_settings())
    s.revisit_ticket(t2.id, "unreachable", None, actor=op, now=at(19, 15), settings=current_settings())

    make_ticket([("civil_affairs", "lead")], at=at(4, 9))  # T3
    make_ticket([("education", "lead")], at=at(20, 9))  # T4

    t5 = make_ticket([("civil_affairs", "lead"), ("education", "assist")], at=at(9, 9))
    s.accept_assignment(t5.assignments[0].id, actor=ca, now=at(9, 10), settings=current_settings())
    s.accept_assignment(t5.assignments[1].id, actor=ed, now=at(10, 10), settings=current_settings())
    s.cancel_ticket(t5.id, "重复报告", actor=op, now=at(11, 9), settings=current_settings())

    t6 = make_ticket([("civil_affairs", "lead")], at=at(27, 9, month=2))
    s.accept_assignment(t6.assignments[0].id, actor=ca, now=at(2, 9), settings=current_settings())

    t7 = make_ticket([("street:jiangyuan", "lead")], at=at(10, 9))
    s.accept_assignment(t7.assignments[0].id, actor=st, now=at(10, 12), settings=current_settings())
    ext = s.request_extension(
        t7.assignments[0].id, 3, "人手不足", actor=st, now=at(16, 10), settings=current_settings()
    )
    s.reject_extension(ext.id, actor=sup, now=at(16, 11), reason="请按期办理", settings=current_settings())


def figures(row: dict) -> dict[str, tuple[int, int]]:
    return {name: (value["count"], value["of"]) for name, value in row.items() if isinstance(value, dict)}


EXPECTED = {
    "civil_affairs": {
        "assigned": (4, 9),
        "signed_on_time": (2, 3),
        "feedback_on_time": (1, 2),
        "returned": (1, 4),
        "extended": (0, 4),
        "reopened": (0, 4),
        "open_overdue": (1, 4),
        "revisits": (1, 1),
        "satisfaction": (1, 1),
    },
    "education": {
        "assigned": (3, 9),
        "signed_on_time": (1, 2),
        "feedback_on_time": (1, 1),
        "returned": (0, 3),
        "extended": (1, 3),
        "reopened": (1, 3),
        "open_overdue": (0, 3),
        "revisits": (1, 1),
        "satisfaction": (0, 1),
    },
    "street:jiangyuan": {
        "assigned": (2, 9),
        "signed_on_time": (1, 2),
        "feedback_on_time": (0, 2),
        "returned": (0, 2),
        "extended": (0, 2),
        "reopened": (0, 2),
        "open_overdue": (1, 2),
        "revisits": (1, 1),
        "satisfaction": (1, 1),
    },
    "total": {
        "assigned": (9, 9),
        "signed_on_time": (4, 7),
        "feedback_on_time": (2, 5),
        "returned": (1, 9),
        "extended": (1, 9),
        "reopened": (1, 9),
        "open_overdue": (2, 9),
        "revisits": (2, 2),
        "satisfaction": (1, 2),
    },
}


def test_figures_match_the_hand_worked_history(history):
    result = compute_stats(*MARCH, now=NOW, tz=TZ)
    rows = {row["bureau"]: row for row in result["departments"]}
    for bureau in ("civil_affairs", "education", "street:jiangyuan"):
        assert figures(rows[bureau]) == EXPECTED[bureau], bureau
    assert figures(result["total"]) == EXPECTED["total"]
    # Rates, to four decimals.
    assert rows["civil_affairs"]["signed_on_time"]["rate"] == 0.6667
    assert rows["civil_affairs"]["assigned"]["rate"] == 0.4444
    assert result["total"]["signed_on_time"]["rate"] == 0.5714
    assert result["total"]["feedback_on_time"]["rate"] == 0.4
    assert rows["education"]["satisfaction"]["rate"] == 0.0
    # A department with nothing assigned is listed, with no rates to divide by.
    assert figures(rows["health"])["assigned"] == (0, 9)
    assert rows["health"]["signed_on_time"] == {"count": 0, "rate": None, "of": 0}
    # The department rows add up to the total for the assignment figures.
    for name in ("assigned", "signed_on_time", "feedback_on_time", "returned", "extended", "reopened", "open_overdue"):
        assert sum(figures(r)[name][0] for r in rows.values()) == figures(result["total"])[name][0]


def test_the_period_is_in_local_dates(history):
    # Only 2 March (local): T1's two orders.
    day = compute_stats(date(2026, 3, 2), date(2026, 3, 2), now=NOW, tz=TZ)
    assert day["total"]["assigned"]["count"] == 2
    # February holds T6 only (dispatched 27 Feb, signed late on 2 Mar).
    february = compute_stats(date(2026, 2, 1), date(2026, 2, 28), now=NOW, tz=TZ)
    assert figures(february["total"])["assigned"] == (1, 1)
    assert figures(february["total"])["signed_on_time"] == (0, 1)


def test_figures_as_of_a_later_moment(history):
    # A week later T4's sign-for deadline has passed unsigned: decided, late and overdue.
    later = compute_stats(*MARCH, now=NOW + timedelta(days=7), tz=TZ)
    education = next(r for r in later["departments"] if r["bureau"] == "education")
    assert figures(education)["signed_on_time"] == (1, 3)
    assert figures(education)["open_overdue"] == (1, 3)


def test_stats_endpoint(history, login):
    supervisor = login("supervisor")
    response = supervisor.get("/api/v1/stats?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    body = response.json
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    assert body["total"]["assigned"] == {"count": 9, "rate": 1.0, "of": 9}
    assert set(body["total"]) == set(EXPECTED["total"])
    assert login("admin").get("/api/v1/stats?from=2026-03-01&to=2026-03-31").status_code == 200
    for role, bureau in (("operator", None), ("liaison", "civil_affairs")):
        assert login(role, bureau=bureau).get("/api/v1/stats").status_code == 403
    default = supervisor.get("/api/v1/stats")
    assert default.status_code == 200 and default.json["to"] >= default.json["from"]
