"""One overdue-chaser pass with 10,000 and with 1,000,000 open assignments, the same 1,000 due.

    python bench/bench_chaser.py [--database postgresql://postgres@127.0.0.1:5432/hotline_bench_d]
        [--redis redis://127.0.0.1:6379/4] [--sizes 10000,1000000] [--due 1000] [--runs 3]

It empties the benchmark database (drops its ``public`` schema: give it a database of its
own), migrates and seeds it, gives every department a liaison and a head phone, and loads
the rows with COPY (bench/chaser_data.py). For each size it runs ``--runs`` passes of the
real ``chase_overdue`` (the cron job's code: claim in batches with FOR UPDATE SKIP LOCKED,
insert the steps, write 2 SMS per due row into the outbox, record the events, commit, enqueue
the SMS in Redis), resetting the due rows and vacuuming between passes, and prints the
median. The target: the 1,000,000-row pass takes under 1.5 times the 10,000-row pass
(the cost follows the rows due, not the table). It flushes the given Redis database.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import chaser_data as data

from hotline.settings import current_settings


def explain_claim(database: str, now: datetime, batch: int) -> str:
    import psycopg

    sql = (
        "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) SELECT assignments.* FROM assignments "
        "WHERE assignments.next_escalation_at <= %s ORDER BY assignments.next_escalation_at "
        "LIMIT %s FOR UPDATE OF assignments SKIP LOCKED"
    )
    with psycopg.connect(data.psycopg_url(database)) as conn:
        plan = [row[0] for row in conn.execute(sql, (now.astimezone(UTC).replace(tzinfo=None), batch))]
        conn.rollback()
    return "\n".join("    " + line for line in plan)


def one_pass(app, now: datetime, redis_url: str) -> tuple[float, object]:
    from redis import Redis

    from hotline.escalation.chaser import chase_overdue

    Redis.from_url(redis_url).flushdb()
    with app.app_context():
        from hotline.extensions import db

        started = time.perf_counter()
        result = chase_overdue(now, tz=current_settings().timezone)
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=data.DEFAULT_DATABASE)
    parser.add_argument("--redis", default=data.DEFAULT_REDIS)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    from hotline.escalation.chaser import BATCH_SIZE

    now = datetime.now(UTC)
    app = data.make_app(args.database, args.redis)
    data.prepare(app, args.database)
    loaded, medians = 0, {}
    for size in sizes:
        seconds = data.load(args.database, size - loaded, args.due if loaded == 0 else 0, now)
        loaded = size
        started = time.perf_counter()
        data.vacuum_analyze(args.database)
        total, due = data.counts(args.database)
        print(
            f"loaded {total:,} open assignments ({due:,} due) in {seconds:.1f} s; VACUUM ANALYZE {time.perf_counter() - started:.1f} s"
        )
        times = []
        for run in range(args.runs):
            data.reset_due(args.database)
            data.vacuum_analyze(args.database)
            elapsed, result = one_pass(app, now, args.redis)
            fired = sum(result.fired.values())
            assert fired == args.due, f"expected {args.due} steps, the pass took {fired}: {result.summary()}"
            times.append(elapsed)
            print(f"  pass {run + 1}: {elapsed * 1000:.0f} ms  ({result.summary()})")
        medians[size] = statistics.median(times)
        print(
            f"{total:>10,} open assignments: one chaser pass {medians[size] * 1000:.0f} ms (median of {args.runs}), "
            f"{medians[size] / args.due * 1e6:.0f} µs per due assignment"
        )
    small, large = sizes[0], sizes[-1]
    ratio = medians[large] / medians[small]
    print(f"ratio {large:,} / {small:,}: {ratio:.2f} (target < 1.5) -> {'OK' if ratio < 1.5 else 'ABOVE TARGET'}")
    data.reset_due(args.database)
    print(f"the claim query at {large:,} rows (first batch of {BATCH_SIZE}):")
    print(explain_claim(args.database, now, BATCH_SIZE))


if __name__ == "__main__":
    main()
