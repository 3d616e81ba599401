"""Worker and cron entrypoints, started by the Flask CLI (``hotline worker``/``hotline cron``)."""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker
from rq.cron import CronScheduler

from hotline.queues import QUEUE_NAMES, get_redis


def run_worker(app: Flask, burst: bool = False) -> None:
    from workers import app as worker_app

    worker_app._app = app  # jobs run in this process's app, configured like the web app
    worker_app.install_job_logging()
    worker = Worker(list(QUEUE_NAMES), connection=get_redis(app))
    worker.work(with_scheduler=True, burst=burst, logging_level="INFO")


def run_cron(app: Flask) -> None:
    from workers import app as worker_app

    worker_app._app = app
    cron = CronScheduler(connection=get_redis(app), logging_level=logging.INFO)
    cron.load_config_from_file("workers.schedule")
    cron.start()
