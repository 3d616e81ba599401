"""Worker and cron entrypoints, started by the Flask CLI (``hotline worker``/``hotline cron``).

The job functions live in ``workers`` and are named by dotted path (RQ imports them in the
worker), so ``hotline`` never imports ``workers``: the worker publishes the app it runs in
(``running_app``), and ``workers.app`` runs each job in that app.
"""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker
from rq.cron import CronScheduler

from hotline.queues import QUEUE_NAMES, get_redis

SCHEDULE = "workers.schedule"  # the cron schedule module, loaded by RQ by name
_app: Flask | None = None


def running_app() -> Flask | None:
    """The app this worker or cron process was started with (None outside them)."""
    return _app


def run_worker(app: Flask, burst: bool = False) -> None:
    global _app
    _app = app  # jobs run in this process's app, configured like the web app
    install_job_logging()
    worker = Worker(list(QUEUE_NAMES), connection=get_redis(app))
    worker.work(with_scheduler=True, burst=burst, logging_level="INFO")


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
    """Give every log record a ``job_id`` and show it on the root handlers."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "hotline_job_ids", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.job_id = current_job_id()
        return record

    factory.hotline_job_ids = True
    logging.setLogRecordFactory(factory)
    formatter = logging.Formatter("%(asctime)s %(levelname)s [job %(job_id)s] %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
