"""Ctrl-C on `make run` stops everything cleanly: a real honcho run of the Procfile (web,
worker, cron, embedded Redis) in a copy of the tree, then SIGINT to the whole process group
as a terminal sends it. No traceback, and no embedded Redis left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _copy_tree(target: Path) -> None:
    for name in ("hotline", "workers", "migrations"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("wsgi.py", "Procfile", "gunicorn.conf.py"):
        shutil.copy(ROOT / name, target / name)
    (target / ".venv").symlink_to(Path(sys.prefix))


def _redis_servers(tree: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-af", "redis-server"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if str(tree) in line]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ctrl_c_on_make_run_stops_every_process_and_the_embedded_redis(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    _copy_tree(tree)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "HOTLINE_", "REDIS_", "DATABASE_"))}
    port = _free_port()
    env.update(SECRET_KEY="x" * 40 + "-make-run-test", PORT=str(port), HOTLINE_WEB_PORT=str(port))
    env.update(DATABASE_URL=f"sqlite:///{tree / 'instance' / 'hotline.db'}", WEB_CONCURRENCY="1")
    flask = [str(tree / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    for step in (["db", "upgrade"], ["hotline", "seed"]):
        done = subprocess.run([*flask, *step], cwd=tree, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]

    log = open(tmp_path / "run.log", "w+")  # noqa: SIM115 - read after the run
    run = subprocess.Popen(
        [str(tree / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile", "-p", str(port)],
        cwd=tree,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert run.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                    if answer.status == 200 and "embedded Redis on" in (tmp_path / "run.log").read_text():
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(1)
        time.sleep(3)  # the worker and cron are connected too
        assert _redis_servers(tree), "the embedded Redis should be running"

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: every process of the group gets SIGINT
        run.wait(timeout=60)
        time.sleep(1)
        left = _redis_servers(tree)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        for line in _redis_servers(tree):  # never leave one behind, even when the test fails
            os.kill(int(line.split()[0]), signal.SIGKILL)

    output = (tmp_path / "run.log").read_text()
    assert "Traceback" not in output, output[-4000:]
    assert not left, output[-2000:]
