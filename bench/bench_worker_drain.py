"""One worker process drains 1,000 queued SMS against a fake Twilio answering in 100 ms.

    python bench/bench_worker_drain.py [--database postgresql://postgres@127.0.0.1:5432/hotline_perf_bench]
        [--redis redis://127.0.0.1:6379/9] [--count 1000] [--delay-ms 100] [--threads 10]

Writes ``--count`` outbox rows (one send job each, enqueued after commit), then runs one
``flask hotline worker --burst`` process with Twilio reached through the SDK's ``http_client``
seam (tests/fakes_twilio.py, every answer delayed ``--delay-ms``). Prints the wall time to an
empty queue next to the goal (<= 20 s) and checks the outcome: every row ``sent`` with one
attempt, one Twilio request per row, all from the one process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ticket_create import BIN, ROOT, prepare, service_env  # noqa: E402

GOAL_S = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/hotline_perf_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hotline-drain-"))
    env = service_env(
        args.database,
        args.redis,
        HOTLINE_WORKER_THREADS=str(args.threads),
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="bench-auth-token",
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_HTTP_CLIENT="tests.fakes_twilio:RecordingHttpClient",
        FAKE_TWILIO_LOG=str(folder / "requests.jsonl"),
        FAKE_TWILIO_DELAY_MS=str(args.delay_ms),
        PYTHONPATH=str(ROOT),
    )
    prepare(env, args.database)
    from redis import Redis

    Redis.from_url(args.redis).flushdb()
    code = (
        "from hotline import create_app\n"
        "from hotline.extensions import db\n"
        "from hotline.notify.outbox import add_message\n"
        "with create_app().app_context():\n"
        f"    for n in range({args.count}):\n"
        "        add_message(f'+86137{n:08d}', f'测试短信 {n}', 'notice')\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "hotline", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    requests = [json.loads(line) for line in (folder / "requests.jsonl").read_text().splitlines()]
    to = [r["data"]["To"] for r in requests]
    import sqlalchemy as sa

    engine = sa.create_engine(args.database.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        states = dict(
            conn.execute(sa.text("SELECT status || '/' || attempts, count(*) FROM messages GROUP BY 1")).all()
        )
    engine.dispose()
    print(
        f"{args.count} SMS, Twilio answering in {args.delay_ms} ms, one worker process with {args.threads} threads: "
        f"{wall:.1f} s ({args.count / wall:.0f} SMS/s) vs goal {GOAL_S:.0f} s: ratio {wall / GOAL_S:.2f} "
        f"({'met' if wall <= GOAL_S else 'NOT met'})"
    )
    print(
        f"twilio requests {len(requests)}, distinct recipients {len(set(to))}, processes {len({r['pid'] for r in requests})}, "
        f"rows by status/attempts {states}"
    )
    Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
