"""Ticket creation side by side with the Python peer (django-helpdesk 2.6.1), same PostgreSQL.

    python bench/bench_vs_peer.py [--database postgresql://postgres@127.0.0.1:5432/hotline_perf_bench]
        [--peer-db hotline_perf_peer] [--redis redis://127.0.0.1:6379/9] [--rounds 4] [--seconds 8]
        [--connections 8] [--peer-venv /tmp/peer-venv]

Both run under gunicorn with 2 sync workers, driven by ``wrk -t2 -c8`` in alternating rounds
(A B B A A B ...: each side goes first as often as second, so a neighbour's load lands on both),
and only one side is loaded at a time. The peer is set up and served from /work/shared/peer
(its ``setup`` script: a venv, a fresh database, a token); none of its code is here. Our side
gets an empty database (``bench_ticket_create.prepare``: migrated, seeded, an operator and
liaisons with phones, so every ticket writes and enqueues its SMS) and a wrk script that gives
every request another address (real reports are mostly not repeats of each other).

Prints each round's requests/s and p50/p99 and the median of the per-pair ratios
(goal: hotline >= 3x the peer). Nothing leaves 127.0.0.1; the run is bounded by the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ticket_create import BIN, BODY, ROOT, free_port, prepare, request, service_env  # noqa: E402

PEER = Path(os.environ.get("HOTLINE_PEER_DIR", "/work/shared/peer"))
PEER_BODY = {
    "queue": 1,
    "title": "A child needs help",
    "description": "A child has not attended school for three weeks and is often alone at home",
    "submitter_email": "r@example.org",
    "priority": 3,
}
HOTLINE_LUA = ROOT / "bench" / "wrk_post_distinct.lua"


def wrk(url: str, auth: str, body: dict, script: Path, seconds: int, connections: int) -> dict:
    env = dict(os.environ, BENCH_AUTH=auth, BENCH_BODY=json.dumps(body, ensure_ascii=False))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), "--latency", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rate": rate, "p50": percentile("50"), "p99": percentile("99"), "non2xx": int(bad.group(1)) if bad else 0}


def wait_for(port: int, path: str) -> None:
    for _ in range(300):
        try:
            if request(port, "GET", path, None, {})[0] < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/hotline_perf_bench")
    parser.add_argument("--peer-db", default="hotline_perf_peer")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per side")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--peer-venv", default="/tmp/peer-venv")
    args = parser.parse_args()

    env = service_env(args.database, args.redis)
    prepare(env, args.database)
    peer_env = dict(os.environ, PEER_DATABASE="pg", PEER_DB=args.peer_db, PEER_VENV=args.peer_venv)
    setup = subprocess.run([str(PEER / "setup")], env=peer_env, capture_output=True, text=True, timeout=900, check=True)
    peer_token = setup.stdout.strip().splitlines()[-1]

    ours, theirs = free_port(), free_port()
    servers = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{ours}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(
            [f"{args.peer_venv}/bin/gunicorn", "-w", "2", "-b", f"127.0.0.1:{theirs}", "hdproj.wsgi:application"],
            cwd=PEER,
            env=peer_env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        wait_for(ours, "/healthz")
        wait_for(theirs, "/api/")
        status, raw = request(
            ours,
            "POST",
            "/api/v1/auth/tokens",
            json.dumps({"username": "bench_operator", "password": "bench-password"}).encode(),
            {"Content-Type": "application/json"},
        )
        sides = {
            "hotline": (
                f"http://127.0.0.1:{ours}/api/v1/tickets",
                f"Bearer {json.loads(raw)['token']}",
                BODY | {"location": {"street": "jiangyuan", "address": "幸福路@N@号"}},
                HOTLINE_LUA,
            ),
            "peer": (f"http://127.0.0.1:{theirs}/api/tickets/", f"Token {peer_token}", PEER_BODY, PEER / "post.lua"),
        }
        for url, auth, body, script in sides.values():  # warm-up: connections, caches
            wrk(url, auth, body, script, 2, args.connections)
        order = [
            name for pair in range(args.rounds) for name in (("hotline", "peer") if pair % 2 else ("peer", "hotline"))
        ]
        results: dict[str, list[dict]] = {"hotline": [], "peer": []}
        print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, gunicorn -w 2 each, one PostgreSQL; rounds:", *order)
        for name in order:
            result = wrk(*sides[name], args.seconds, args.connections)
            results[name].append(result)
            print(
                f"  {name:<8} {result['rate']:8.1f} creations/s  p50 {result['p50']:7.1f} ms  "
                f"p99 {result['p99']:7.1f} ms  non-2xx {result['non2xx']}"
            )
        ratios = [h["rate"] / p["rate"] for h, p in zip(results["hotline"], results["peer"], strict=True)]
        p50s = [h["p50"] / p["p50"] for h, p in zip(results["hotline"], results["peer"], strict=True)]
        ratio = statistics.median(ratios)
        print(
            f"hotline/peer creation rate: median {ratio:.2f}x (per round {', '.join(f'{r:.2f}' for r in ratios)}); "
            f"median p50 latency ratio {statistics.median(p50s):.2f}; goal >= 3x: {'met' if ratio >= 3 else 'NOT met'}"
        )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        from redis import Redis

        Redis.from_url(args.redis).flushdb()  # the SMS jobs the run enqueued


if __name__ == "__main__":
    main()
