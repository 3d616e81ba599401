"""The Flask app a job runs in: created once per worker process, pushed per job."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask

_app: Flask | None = None


def get_app() -> Flask:
    global _app
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
            return job(*args, **kwargs)
        with get_app().app_context():
            return job(*args, **kwargs)

    return wrapper
