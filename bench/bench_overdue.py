"""GET /api/v1/overdue at 1,000,000 open assignments, beside the bare SQL it runs.

    python bench/bench_overdue.py [--database postgresql://postgres@127.0.0.1:5432/hotline_bench_d]
        [--redis redis://127.0.0.1:6379/4] [--size 1000000] [--due 1000] [--requests 50] [--reuse]

Loads ``--size`` open assignments, ``--due`` of them overdue (bench/chaser_data.py; with
``--reuse`` an already loaded benchmark database of that size, e.g. left by bench_chaser.py,
is kept), then times ``--requests`` calls of the endpoint in-process (Flask test client, a
supervisor's bearer token: auth, schema, the query, serialisation) and the same number of
runs of the very SQL statements the endpoint sent (captured from one request, replayed with
psycopg). Prints p50/p99 of both, their ratio, and EXPLAIN ANALYZE of the main query to show
the index range scans. With --reuse nothing is dropped; without it the database is emptied.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import chaser_data as data

from hotline.settings import current_settings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def describe(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"{name:<28} p50 {percentile(ms, 0.5):7.2f} ms   p99 {percentile(ms, 0.99):7.2f} ms   mean {statistics.mean(ms):7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=data.DEFAULT_DATABASE)
    parser.add_argument("--redis", default=data.DEFAULT_REDIS)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    import psycopg
    import sqlalchemy as sa

    now = datetime.now(UTC)
    app = data.make_app(args.database, args.redis)
    total, due = data.counts(args.database) if args.reuse else (0, 0)
    if (total, due) != (args.size, args.due):
        data.prepare(app, args.database)
        seconds = data.load(args.database, args.size, args.due, now)
        print(f"loaded {args.size:,} open assignments ({args.due:,} overdue) in {seconds:.1f} s")
    with app.app_context():  # one chaser pass first, so the items carry their escalation level
        from redis import Redis

        from hotline.escalation.chaser import chase_overdue
        from hotline.extensions import db

        print(chase_overdue(now, tz=current_settings().timezone).summary())
        db.session.remove()
        Redis.from_url(args.redis).flushdb()
    data.vacuum_analyze(args.database)
    total, due = data.counts(args.database)

    with app.app_context():
        from hotline.auth.services import create_user, issue_token
        from hotline.extensions import db

        name = f"bench-supervisor-{int(time.time())}"
        create_user(name, "supervisor", "bench-password")
        token, _ = issue_token(name, "bench-password", now, timedelta(hours=1))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        url = "/api/v1/overdue"

        captured: list[tuple[str, dict]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM assignments" in statement:  # the queue's statements, not the sign-in's
                captured.append((statement, dict(parameters or {})))

        sa.event.listen(db.engine, "before_cursor_execute", capture)
        first = client.get(url, headers=headers)
        sa.event.remove(db.engine, "before_cursor_execute", capture)
        assert first.status_code == 200, first.get_data(as_text=True)[:500]
        items = first.json["items"]
        print(
            f"{total:,} open assignments; the queue lists {len(items):,} items (total {first.json['total']:,}), "
            f"most overdue first: {items[0]['overdue_seconds'] if items else '-'} s"
        )

        for _ in range(3):
            client.get(url, headers=headers)
        api_times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            api_times.append(time.perf_counter() - started)
            assert response.status_code == 200
        db.session.remove()

    sql_times = []
    with psycopg.connect(data.psycopg_url(args.database)) as conn:
        for statement, parameters in captured:
            conn.execute(statement, parameters).fetchall()
        for _ in range(args.requests):
            started = time.perf_counter()
            for statement, parameters in captured:
                conn.execute(statement, parameters).fetchall()
            sql_times.append(time.perf_counter() - started)
        plans = [
            [row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            for statement, parameters in captured
        ]

    print(describe("GET /api/v1/overdue", api_times))
    print(describe(f"bare SQL ({len(captured)} statement{'s' if len(captured) > 1 else ''})", sql_times))
    ratio = percentile(api_times, 0.5) / percentile(sql_times, 0.5)
    print(f"endpoint / bare SQL (p50): {ratio:.2f}  (the rest is auth, schema and JSON for {len(items):,} items)")
    for (statement, _parameters), plan in zip(captured, plans, strict=True):
        print("the statement:")
        print("    " + " ".join(statement.split()))
        print("EXPLAIN ANALYZE:")
        print("\n".join("    " + line for line in plan))


if __name__ == "__main__":
    main()
