"""One worker process running several jobs at once: RQ workers as threads, no fork per job.

Our jobs mostly wait: an SMS send is a round trip to Twilio (100 ms and more), the rest are
short database transactions. RQ's default ``Worker`` forks a work horse per job (4-9 SMS/s,
and each horse's memory), and runs one job at a time. Here one process runs ``threads``
``SimpleWorker`` instances, each in a thread of its own and each a complete RQ worker (its
own name, registration, heartbeat, current job and execution), so RQ's per-job bookkeeping
(started/finished/failed registries, ``Retry`` intervals, result TTLs) is RQ's, unchanged,
and the outbox's claim-and-lease rules (``hotline.notify.services``) are what keep a message
from being sent twice, across threads exactly as across processes. What differs from RQ's
defaults, and why:

- a job's timeout is enforced by ``TimerDeathPenalty`` (an exception raised in the job's
  thread): ``SIGALRM`` is for the main thread only;
- the main thread takes SIGINT/SIGTERM and asks every worker to stop after its current job
  (RQ's warm shutdown); idle workers poll every ``IDLE_POLL`` seconds so they notice;
- RQ's scheduler (scheduled sends, retries) runs as a thread of the first worker instead of a
  forked process of its own (a whole second interpreter's memory for a once-a-second loop).

Every thread pushes its own app context per job (``workers.app.with_app``), so each has its
own database session; the engine's pool must allow ``threads`` connections.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from typing import Any

from redis import Redis
from rq import SimpleWorker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

log = logging.getLogger(__name__)
IDLE_POLL = 2  # seconds an idle worker waits on its queues before checking for a stop request


class ThreadScheduler(RQScheduler):
    """RQ's scheduler loop in a daemon thread of the worker process."""

    def _install_signal_handlers(self) -> None:  # the main thread owns the signals
        pass

    def start(self) -> threading.Thread:
        self._status = self.Status.STARTED
        self._process = threading.Thread(target=self.work, name="rq-scheduler", daemon=True)
        self._process.start()
        return self._process


class ThreadWorker(SimpleWorker):
    """A ``SimpleWorker`` that can live in a thread that is not the main one."""

    death_penalty_class = TimerDeathPenalty

    @property
    def dequeue_timeout(self) -> int:
        return IDLE_POLL

    def _install_signal_handlers(self) -> None:  # the main thread owns the signals
        pass

    def _start_scheduler(self, burst: bool = False, logging_level: Any = "INFO", *args: Any, **kwargs: Any) -> None:
        """RQ's own steps (take the queues' scheduler locks; in burst mode enqueue what is due
        and let go), with the loop started as a thread."""
        self.scheduler = ThreadScheduler(
            self.queues, connection=self.connection, logging_level=logging_level, serializer=self.serializer
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if not burst:
            self.scheduler.start()
            return
        try:
            self.scheduler.register_birth()
            self.scheduler.enqueue_scheduled_jobs()
        finally:
            self.scheduler.release_locks()
            self.scheduler.register_death()

    def stop_scheduler(self) -> None:
        thread = self.scheduler._process if self.scheduler else None
        if self.scheduler is not None:
            self.scheduler.request_stop()
        if isinstance(thread, threading.Thread):
            thread.join(timeout=10)


def run_threads(queues: Sequence[str], connection: Redis, *, threads: int, burst: bool = False) -> None:
    """Run ``threads`` workers on ``queues`` in this process until stopped (or, in burst mode,
    until the queues are empty). The first worker also runs the scheduler."""
    workers = [ThreadWorker(list(queues), connection=connection) for _ in range(max(1, threads))]

    def stop(signum: int, frame: Any) -> None:
        log.info("signal %s: stopping %s worker threads after their current jobs", signum, len(workers))
        for worker in workers:
            worker._stop_requested = True
            if worker.scheduler is not None:
                worker.scheduler.request_stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    running = [
        threading.Thread(
            target=worker.work,
            kwargs={"burst": burst, "with_scheduler": index == 0, "logging_level": "INFO"},
            name=f"rq-worker-{index}",
        )
        for index, worker in enumerate(workers)
    ]
    log.info("worker process: %s threads on %s%s", len(running), ", ".join(queues), " (burst)" if burst else "")
    for thread in running:
        thread.start()
    while any(thread.is_alive() for thread in running):
        for thread in running:
            thread.join(timeout=0.5)
