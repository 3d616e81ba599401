"""The Flask app a job runs in: created once per worker process, pushed per job.

Job logs: every line logged while a job runs carries ``[job <id>]`` (see ``install_job_logging``),
and each job logs its start and end with its function name and result. Jobs take ids and
return counts or short status words, so no personal data reaches a log line.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from flask import Flask

from hotline import worker
from hotline.worker import current_job_id, install_job_logging  # noqa: F401  (re-exported)

log = logging.getLogger("workers.jobs")
_app: Flask | None = None


def get_app() -> Flask:
    """The app ``flask hotline worker`` runs in (``hotline.worker``), else one made here."""
    global _app
    if _app is None:
        _app = worker.running_app()
    if _app is None:
        from hotline import create_app

        _app = create_app()
    return _app


def with_app(job: Callable) -> Callable:
    """Run a job function inside an application context (and clean the session after)."""

    @functools.wraps(job)
    def wrapper(*args, **kwargs):
        from flask import has_app_context

        if has_app_context():
            return _logged(job, args, kwargs)
        with get_app().app_context():
            return _logged(job, args, kwargs)

    return wrapper


def _logged(job: Callable, args: tuple, kwargs: dict):
    job_id, started = current_job_id(), time.monotonic()
    log.info("job %s %s started", job_id, job.__name__)
    try:
        result = job(*args, **kwargs)
    except Exception as exc:
        log.warning(
            "job %s %s failed after %.2fs: %s", job_id, job.__name__, time.monotonic() - started, type(exc).__name__
        )
        raise
    log.info("job %s %s finished in %.2fs: %s", job_id, job.__name__, time.monotonic() - started, result)
    return result
