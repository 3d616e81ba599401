"""Worker and cron entrypoints, started by the Flask CLI (``hotline worker``/``hotline cron``).

The job functions live in ``workers`` and are named by dotted path (RQ imports them in the
worker), so ``hotline`` never imports ``workers``: the worker publishes the app it runs in
(``running_app``), and ``workers.app`` runs each job in that app.
"""

from __future__ import annotations

import logging

from flask import Flask
from rq.cron import CronScheduler

from hotline.queues import QUEUE_NAMES, get_redis
from hotline.worker_threads import run_threads

SCHEDULE = "workers.schedule"  # the cron schedule module, loaded by RQ by name
_app: Flask | None = None


def running_app() -> Flask | None:
    """The app this worker or cron process was started with (None outside them)."""
    return _app


def run_worker(app: Flask, burst: bool = False) -> None:
    global _app
    _app = app  # jobs run in this process's app, configured like the web app
    install_job_logging()
    run_threads(QUEUE_NAMES, get_redis(app), threads=app.config["HOTLINE_WORKER_THREADS"], burst=burst)


def run_cron(app: Flask) -> None:
    global _app
    _app = app
    cron = CronScheduler(connection=get_redis(app), logging_level=logging.INFO)
    cron.load_config_from_file(SCHEDULE)
    cron.start()


def current_job_id() -> str:
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else "-"


def install_job_logging() -> None:
    """Give every log record a ``hotline_job`` (the running job's id) and show it on the root
    handlers. Not ``job_id``: RQ passes that name as ``extra`` when it logs a failed job, and a
    record refuses to have it set twice (which, in a worker running jobs in-process, kills the
    worker thread instead of recording the failure)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "hotline_job_ids", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.hotline_job = current_job_id()
        return record

    factory.hotline_job_ids = True
    logging.setLogRecordFactory(factory)
    formatter = logging.Formatter("%(asctime)s %(levelname)s [job %(hotline_job)s] %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
