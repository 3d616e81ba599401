"""Ticket creation inside one process on PostgreSQL: the service call, and the whole request.

    python bench/bench_create_inprocess.py [--database postgresql://postgres@127.0.0.1:5432/hotline_perf_bench]
        [--redis redis://127.0.0.1:6379/9] [--count 300]

Empties and prepares the benchmark database like bench_ticket_create.py (its own database:
the ``public`` schema is dropped), then, in this process, times ``create_ticket`` (validation,
rules, dispatch to three departments, two SMS written and enqueued, repeat look-up, commit)
and ``POST /api/v1/tickets`` through Flask's test client (token, parsing, the same service,
the JSON answer), each ``--count`` times with a distinct address. Prints p50/p90/mean next to
the goal (service p50 <= 15 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from hotline.settings import current_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ticket_create import BODY, ROOT, prepare, service_env  # noqa: E402

GOAL_MS = 15.0


def summary(name: str, seconds: list[float]) -> float:
    ms = sorted(s * 1000 for s in seconds)
    p50 = statistics.median(ms)
    print(f"{name:<28} p50 {p50:6.2f} ms  p90 {ms[int(len(ms) * 0.9)]:6.2f} ms  mean {statistics.mean(ms):6.2f} ms")
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/hotline_perf_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    env = service_env(args.database, args.redis)
    prepare(env, args.database)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    from hotline import create_app
    from hotline.extensions import db
    from hotline.intake.tickets import create_ticket
    from hotline.models import User

    app = create_app()
    client = app.test_client()
    token = client.post("/api/v1/auth/tokens", json={"username": "bench_operator", "password": "bench-password"}).json
    headers = {"Authorization": f"Bearer {token['token']}"}
    body = dict(BODY, protection_types=["relief", "education"])

    def distinct(n: int) -> dict:
        return body | {"location": {"street": "jiangyuan", "address": f"幸福路{n}号"}}

    service, whole = [], []
    with app.app_context():
        operator = db.session.query(User).filter_by(username="bench_operator").one()
        for n in range(20):  # warm: connections, caches, code paths
            create_ticket(
                distinct(-n - 1), channel="phone", actor=operator, now=datetime.now(UTC), settings=current_settings()
            )
        for n in range(args.count):
            started = time.perf_counter()
            create_ticket(
                distinct(n), channel="phone", actor=operator, now=datetime.now(UTC), settings=current_settings()
            )
            service.append(time.perf_counter() - started)
        db.session.remove()
    for n in range(args.count):
        payload = json.dumps(distinct(args.count + n) | {"channel": "phone"}, ensure_ascii=False)
        started = time.perf_counter()
        response = client.post("/api/v1/tickets", data=payload, headers=headers, content_type="application/json")
        whole.append(time.perf_counter() - started)
        assert response.status_code == 201, response.json
    print(f"PostgreSQL {args.database.rsplit('/', 1)[-1]}, {args.count} tickets each (3 assignments, SMS enqueued)")
    p50 = summary("create_ticket (service)", service)
    summary("POST /api/v1/tickets (Flask)", whole)
    print(
        f"service p50 {p50:.2f} ms vs goal {GOAL_MS:.0f} ms: ratio {p50 / GOAL_MS:.2f} ({'met' if p50 <= GOAL_MS else 'NOT met'})"
    )
    from redis import Redis

    Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
