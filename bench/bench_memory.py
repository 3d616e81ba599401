"""Resident memory of a web worker after 10,000 requests, and of a worker process after a drain.

    python bench/bench_memory.py [--database postgresql://postgres@127.0.0.1:5432/hotline_perf_bench]
        [--redis redis://127.0.0.1:6379/9] [--requests 10000] [--sms 300]

Web: gunicorn with one sync worker; after a warm-up, ``--requests`` requests cycle through
``GET /healthz``, ``GET /api/v1/reference``, a ticket's detail, the ticket list, and one
``POST /api/v1/tickets`` in twenty. Prints the worker's RSS before and after (goal <= 70 MB).
Worker: ``flask hotline worker`` (its threads, scheduler thread included) drains ``--sms``
queued messages through the log sender; prints its RSS (goal <= 80 MB). RSS is read with
psutil, whole process, children included (there are none: no work horses).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ticket_create import BIN, BODY, ROOT, free_port, prepare, request, service_env  # noqa: E402

MB = 1024 * 1024


def rss(pid: int) -> float:
    process = psutil.Process(pid)
    return (process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))) / MB


def web(env: dict[str, str], count: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/healthz", None, {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        worker = psutil.Process(server.pid).children()[0].pid
        _, raw = request(
            port,
            "POST",
            "/api/v1/auth/tokens",
            json.dumps({"username": "bench_operator", "password": "bench-password"}).encode(),
            {"Content-Type": "application/json"},
        )
        auth = {"Content-Type": "application/json", "Authorization": f"Bearer {json.loads(raw)['token']}"}
        _, raw = request(port, "POST", "/api/v1/tickets", json.dumps(BODY).encode(), auth)
        ticket = json.loads(raw)["id"]
        paths = ["/healthz", "/api/v1/reference", f"/api/v1/tickets/{ticket}", "/api/v1/tickets"]
        for path in paths:
            request(port, "GET", path, None, auth)
        before = rss(worker)
        started = time.perf_counter()
        for n in range(count):
            if n % 20 == 19:
                body = BODY | {"location": {"street": "jiangyuan", "address": f"幸福路{n}号"}}
                status, _ = request(port, "POST", "/api/v1/tickets", json.dumps(body).encode(), auth)
            else:
                status, _ = request(port, "GET", paths[n % len(paths)], None, auth)
            assert status < 400, status
        after = rss(worker)
        print(
            f"web worker RSS: {before:.1f} MB after warm-up, {after:.1f} MB after {count} requests "
            f"({time.perf_counter() - started:.0f} s); goal <= 70 MB: ratio {after / 70:.2f} "
            f"({'met' if after <= 70 else 'NOT met'})"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def worker(env: dict[str, str], count: int) -> None:
    code = (
        "from hotline import create_app\n"
        "from hotline.extensions import db\n"
        "from hotline.notify.outbox import add_message\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    for n in range({count}):\n"
        "        add_message(f'+86137{n:08d}', f'测试 {n}', 'notice')\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [str(BIN / "flask"), "--app", "wsgi", "hotline", "worker"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from redis import Redis

    redis = Redis.from_url(env["REDIS_URL"])
    try:
        started, peak = time.perf_counter(), 0.0
        while redis.llen("rq:queue:notifications") and time.perf_counter() - started < 300:
            peak = max(peak, rss(process.pid))
            time.sleep(0.5)
        time.sleep(2)
        after = rss(process.pid)
        peak = max(peak, after)
        print(
            f"worker process RSS: {after:.1f} MB after draining {count} SMS (peak {peak:.1f} MB, "
            f"{time.perf_counter() - started:.0f} s); goal <= 80 MB: ratio {peak / 80:.2f} "
            f"({'met' if peak <= 80 else 'NOT met'})"
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/hotline_perf_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--sms", type=int, default=300)
    args = parser.parse_args()
    env = service_env(args.database, args.redis)
    prepare(env, args.database)
    from redis import Redis

    Redis.from_url(args.redis).flushdb()
    web(env, args.requests)
    Redis.from_url(args.redis).flushdb()
    worker(env, args.sms)
    Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
