"""Soak: 10 minutes of mixed load on web + worker + cron, on PostgreSQL and Redis.

    python bench/soak.py [--database postgresql://postgres@127.0.0.1:5432/hotline_robust_soak]
        [--redis redis://127.0.0.1:6379/3] [--seconds 600] [--clients 6] [--web-workers 2]
        [--drain 180]

It empties the soak database (drops its ``public`` schema: give it a database of its own; it is
created if missing) and flushes the Redis database, migrates, seeds, creates staff (liaisons
with phones, a supervisor with a phone), then starts gunicorn, ``hotline worker`` and
``hotline cron`` as in the Procfile (SMS through the log backend) and drives them for
``--seconds`` with client threads mixing what a day brings: public reports, operators'
tickets, lists and details, liaisons signing for their assignments, the overdue queue, figures,
messages. Every 15 s it prints the send queue's depth, the outbox rows still ``queued`` and the
RSS of each process. At the end it waits up to ``--drain`` seconds for the queue to drain and
prints: requests, errors (5xx, refused connections), p50/p99 per kind, queue depth over time,
RSS at start and end per process. It stops by itself; Ctrl-C stops it early.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ticket_create import BIN, BODY, ROOT, free_port, prepare, request, run, service_env  # noqa: E402

PASSWORD = "bench-password"
REPORT = {
    "description": "我家楼下经常有个小孩一个人在外面待到很晚，好像没人管。",
    "location": {"street": "jiangyuan"},
    "reporter": {"anonymous": True},
}


def ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def token(port: int, name: str) -> dict[str, str]:
    status, raw = request(
        port,
        "POST",
        "/api/v1/auth/tokens",
        json.dumps({"username": name, "password": PASSWORD}).encode(),
        {"Content-Type": "application/json"},
    )
    if status != 201:
        raise SystemExit(f"sign-in of {name} failed: {status} {raw[:200]!r}")
    return {"Authorization": "Bearer " + json.loads(raw)["token"], "Content-Type": "application/json"}


class Load:
    """Client threads, each picking a step by weight until the time is up."""

    def __init__(self, port: int, headers: dict[str, dict[str, str]], seed: int) -> None:
        self.port, self.headers = port, headers
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.refused: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.ticket_ids: list[int] = []

    def call(self, kind: str, method: str, path: str, who: str | None, body: dict | None = None) -> bytes | None:
        headers = dict(self.headers[who]) if who else {"Content-Type": "application/json"}
        payload = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        try:
            status, raw = request(self.port, method, path, payload, headers)
        except OSError:
            with self.lock:
                self.errors[kind] += 1
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[kind].append(elapsed)
            if status >= 500:
                self.errors[kind] += 1
            elif status >= 400 and status not in (404, 409, 429):
                self.refused[f"{kind} {status}"] += 1
        return raw if status < 300 else None

    def step(self, rng: random.Random, n: int) -> None:
        pick = rng.random()
        if pick < 0.15:
            self.call("report", "POST", "/api/v1/reports", None, REPORT | {"location": {"street": "jiangyuan"}})
        elif pick < 0.35:
            body = BODY | {"location": {"street": "jiangyuan", "address": f"幸福路{n}号"}}
            raw = self.call("ticket create", "POST", "/api/v1/tickets", "operator", body)
            if raw:
                with self.lock:
                    self.ticket_ids.append(json.loads(raw)["id"])
        elif pick < 0.55:
            self.call("ticket list", "GET", f"/api/v1/tickets?page={rng.randint(1, 3)}", "operator")
        elif pick < 0.70 and self.ticket_ids:
            ident = rng.choice(self.ticket_ids[-200:])
            self.call("ticket detail", "GET", f"/api/v1/tickets/{ident}", "supervisor")
        elif pick < 0.80:
            raw = self.call("liaison list", "GET", "/api/v1/tickets?view=pending&per_page=5", "liaison")
            items = json.loads(raw)["items"] if raw else []
            for item in items[:1]:
                for assignment in item.get("assignments", []):
                    if assignment["bureau"] == "civil_affairs" and assignment["status"] == "pending":
                        self.call("accept", "POST", f"/api/v1/assignments/{assignment['id']}/accept", "liaison", {})
        elif pick < 0.88:
            self.call("overdue", "GET", "/api/v1/overdue", "supervisor")
        elif pick < 0.94:
            self.call("stats", "GET", "/api/v1/stats", "supervisor")
        else:
            self.call("messages", "GET", "/api/v1/messages?per_page=20", "supervisor")

    def run(self, clients: int, seconds: float) -> None:
        stop_at = time.monotonic() + seconds
        counter = iter(range(10**9))

        def client(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < stop_at:
                self.step(rng, next(counter))

        threads = [threading.Thread(target=client, args=(self.rng.random(),), daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def rss_mb(proc: subprocess.Popen) -> float:
    try:
        parent = psutil.Process(proc.pid)
        family = [parent, *parent.children(recursive=True)]
        return sum(p.memory_info().rss for p in family if p.is_running()) / 2**20
    except psutil.NoSuchProcess:
        return float("nan")


def depth(redis_url: str, database: str) -> tuple[int, int]:
    import psycopg
    from redis import Redis

    queued_jobs = Redis.from_url(redis_url).llen("rq:queue:notifications")
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT count(*) FROM messages WHERE status = 'queued'").fetchone()[0]
    return queued_jobs, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("SOAK_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hotline_robust_soak"),
    )
    parser.add_argument("--redis", default=os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/3"))
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--drain", type=float, default=180.0, help="how long to wait for the queue to drain")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    from redis import Redis

    ensure_database(args.database)
    Redis.from_url(args.redis).flushdb()
    env = service_env(
        args.database,
        args.redis,
        HOTLINE_PUBLIC_RATE_LIMIT="100000 per minute",
        HOTLINE_DUTY_PHONES="+8613900000001",
    )
    prepare(env, args.database)  # operator and liaisons of civil_affairs, street:jiangyuan, education
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    run(
        [*flask, "users", "create", "soak_supervisor", "--role", "supervisor", "--phone", "+8613900000002"],
        env,
        stdin=PASSWORD + "\n",
    )
    port = free_port()
    procs = {
        "web": subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.web_workers),
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
        "worker": subprocess.Popen(
            [*flask, "hotline", "worker"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        "cron": subprocess.Popen(
            [*flask, "hotline", "cron"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    }
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/healthz", None, {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        headers = {
            "operator": token(port, "bench_operator"),
            "liaison": token(port, "bench_liaison0"),
            "supervisor": token(port, "soak_supervisor"),
        }
        time.sleep(5)  # let worker and cron settle before the first RSS sample
        rss_start = {name: rss_mb(proc) for name, proc in procs.items()}
        load = Load(port, headers, args.seed)
        samples: list[tuple[float, int, int, dict[str, float]]] = []
        started = time.monotonic()
        driver = threading.Thread(target=load.run, args=(args.clients, args.seconds), daemon=True)
        driver.start()
        print(f"soak: {args.seconds:.0f} s, {args.clients} clients, web x{args.web_workers} + worker + cron")
        print(f"{'t (s)':>6} {'queue':>6} {'queued rows':>11}  RSS MB " + " ".join(f"{n:>7}" for n in procs))
        while driver.is_alive() or time.monotonic() - started < args.seconds:
            driver.join(timeout=15)
            jobs, rows = depth(args.redis, args.database)
            rss = {name: rss_mb(proc) for name, proc in procs.items()}
            samples.append((time.monotonic() - started, jobs, rows, rss))
            print(
                f"{samples[-1][0]:6.0f} {jobs:6d} {rows:11d}         " + " ".join(f"{rss[n]:7.1f}" for n in procs),
                flush=True,
            )
            if not driver.is_alive():
                break
        drain_until = time.monotonic() + args.drain
        while time.monotonic() < drain_until:
            jobs, rows = depth(args.redis, args.database)
            if jobs == 0 and rows == 0:
                break
            time.sleep(5)
        jobs, rows = depth(args.redis, args.database)
        drained_after = time.monotonic() - started - args.seconds
        rss_end = {name: rss_mb(proc) for name, proc in procs.items()}

        total = sum(len(v) for v in load.latency.values())
        errors = sum(load.errors.values())
        print(f"\nrequests {total}, errors (5xx or refused connection) {errors}", dict(load.errors) or "")
        if load.refused:
            print("other 4xx (not errors, listed to explain):", dict(load.refused))
        print(f"{'kind':<15} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
        everything: list[float] = []
        for kind, values in sorted(load.latency.items()):
            values.sort()
            everything += values
            print(
                f"{kind:<15} {len(values):6d} {statistics.median(values) * 1000:8.1f} "
                f"{values[int(len(values) * 0.99)] * 1000:8.1f}"
            )
        everything.sort()
        if everything:
            print(
                f"{'all':<15} {len(everything):6d} {statistics.median(everything) * 1000:8.1f} "
                f"{everything[int(len(everything) * 0.99)] * 1000:8.1f}"
            )
        peak = max((s[1] for s in samples), default=0)
        print(
            f"queue: peak {peak} jobs; at the end {jobs} jobs and {rows} queued rows "
            f"({'drained' if jobs == 0 and rows == 0 else 'NOT drained'} {drained_after:.0f} s after the load)"
        )
        for name in procs:
            print(
                f"RSS {name}: {rss_start[name]:.1f} MB at start, {rss_end[name]:.1f} MB at end "
                f"({rss_end[name] / rss_start[name]:.2f}x)"
            )
    finally:
        for proc in procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
