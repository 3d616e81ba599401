"""Ticket creation through gunicorn against PostgreSQL, beside /healthz under the same load.

    python bench/bench_ticket_create.py [--database postgresql://postgres@127.0.0.1:5432/hotline_bench]
        [--redis redis://127.0.0.1:6379/1] [--workers 4] [--clients 8] [--seconds 10]

It empties the benchmark database (drops its ``public`` schema: point it at a database of its
own), migrates and seeds it, creates an operator and liaisons with phones (so every ticket
writes and enqueues its SMS), starts gunicorn on a free loopback port, and drives it with a
fixed number of client threads for a fixed time: first ``GET /healthz``, then
``POST /api/v1/tickets``. Prints throughput and p50/p99 latency of both and their ratio
(target: ticket creation at least half the throughput of the trivial endpoint).
Nothing leaves 127.0.0.1; the run is bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BODY = {
    "description": "邻居家的孩子长期无人照看，经常一个人在街上游荡到深夜。",
    "location": {"street": "jiangyuan", "address": "幸福路88号"},
    "child": {"age": 9},
    "protection_types": ["relief", "education"],
    "subject_categories": ["street_child"],
    "urgency": "normal",
    "reporter": {"anonymous": True},
    "channel": "phone",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(database: str, redis: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's app processes: this database and Redis, no Twilio."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "HOTLINE_"))}
    env.update(
        DATABASE_URL=database,
        REDIS_URL=redis,
        SECRET_KEY=secrets.token_urlsafe(48),  # a key written in the source is refused
        HOTLINE_PUBLIC_URL="https://hotline.example.org",
        **extra,
    )
    return env


def run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(cmd, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(env: dict[str, str], database: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(
        database.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    run([*flask, "db", "upgrade"], env)
    run([*flask, "hotline", "seed"], env)
    run([*flask, "users", "create", "bench_operator", "--role", "operator"], env, stdin="bench-password\n")
    for n, bureau in enumerate(["civil_affairs", "street:jiangyuan", "education"]):
        run(
            [
                *flask,
                "users",
                "create",
                f"bench_liaison{n}",
                "--role",
                "liaison",
                "--bureau",
                bureau,
                "--phone",
                f"+86137000009{n:02d}",
            ],
            env,
            stdin="bench-password\n",
        )


def request(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(
    port: int,
    method: str,
    path: str,
    body: dict | None,
    headers: dict[str, str],
    clients: int,
    seconds: float,
    expect: int,
) -> dict:
    counter = itertools.count()
    latencies: list[float] = []
    errors = {"count": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        mine = []
        failed = 0
        while time.perf_counter() < stop_at:
            payload = None
            if body is not None:  # distinct addresses: real reports are mostly not repeats of each other
                n = next(counter)
                payload = json.dumps(body | {"location": {"street": "jiangyuan", "address": f"幸福路{n}号"}}).encode()
            t0 = time.perf_counter()
            status, _ = request(port, method, path, payload, headers)
            elapsed = time.perf_counter() - t0
            if status == expect:
                mine.append(elapsed)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors["count"] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors["count"],
        "throughput": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hotline_bench")
    )
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"))
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per endpoint")
    args = parser.parse_args()

    env = service_env(args.database, args.redis, HOTLINE_DUTY_PHONES="+8613900000001")
    prepare(env, args.database)
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(200):
            try:
                if request(port, "GET", "/healthz", None, {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        status, raw = request(
            port,
            "POST",
            "/api/v1/auth/tokens",
            json.dumps({"username": "bench_operator", "password": "bench-password"}).encode(),
            {"Content-Type": "application/json"},
        )
        token = json.loads(raw)["token"]
        auth = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        for _ in range(20):  # warm every worker's connections and caches
            request(port, "GET", "/healthz", None, {})
            request(port, "POST", "/api/v1/tickets", json.dumps(BODY).encode(), auth)

        print(
            f"gunicorn workers={args.workers}, clients={args.clients}, {args.seconds:.0f} s per endpoint, "
            f"PostgreSQL {args.database.rsplit('/', 1)[-1]}, Redis {args.redis.rsplit('/', 2)[-2]}"
        )
        health = load(port, "GET", "/healthz", None, {}, args.clients, args.seconds, 200)
        create = load(port, "POST", "/api/v1/tickets", BODY, auth, args.clients, args.seconds, 201)
        for name, r in (("GET /healthz", health), ("POST /api/v1/tickets", create)):
            print(
                f"{name:<22} {r['throughput']:8.1f} req/s   p50={r['p50_ms']:7.2f} ms   p99={r['p99_ms']:7.2f} ms   "
                f"({r['requests']} ok, {r['errors']} errors)"
            )
        ratio = create["throughput"] / health["throughput"]
        print(f"ratio tickets/healthz throughput: {ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
        try:
            from redis import Redis

            Redis.from_url(args.redis).flushdb()  # the enqueued SMS jobs of the run
        except Exception as exc:  # noqa: BLE001 - a cleanup note, not a failure of the benchmark
            print(f"(could not empty the benchmark Redis: {exc})")


if __name__ == "__main__":
    main()
