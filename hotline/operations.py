"""Operations: rq-dashboard for admins at ``/admin/rq``, and failed jobs listed and requeued.

rq-dashboard 0.9.0 is a Flask blueprint with no authentication of its own; it is mounted
in this app, reads the app's Redis (``REDIS_URL`` or the embedded one, resolved on the first
request, never at start-up), and an app-level guard runs before the blueprint's own hooks:
an admin signed in with the session (the web sign-in) or a bearer token passes; a signed-in
non-admin gets 403; anyone else is sent to the sign-in page (401 for API-style clients).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, redirect, request, url_for
from rq import Queue
from rq.job import Job

from hotline.queues import QUEUE_NAMES, get_redis, redis_url

DASHBOARD_PREFIX = "/admin/rq"


@dataclass
class FailedJob:
    id: str
    queue: str
    func: str
    failed_at: str
    error: str  # the exception's type only: messages may quote data


def _dashboard_user():
    from flask_login import current_user

    from hotline.auth.access import bearer_user

    user = bearer_user()
    if user is None and current_user.is_authenticated:
        user = current_user._get_current_object()
    return user


def _guard_dashboard():
    if request.blueprint != "rq_dashboard":
        return None
    from hotline.errors import Forbidden, Unauthorized
    from hotline.models import Role

    user = _dashboard_user()
    if user is None:
        login_view = "web.login"
        if "Authorization" not in request.headers and login_view in current_app.view_functions:
            return redirect(url_for(login_view, next=request.full_path))
        raise Unauthorized("需要管理员登录 admin sign-in required")
    if user.role != Role.ADMIN:
        raise Forbidden("仅管理员可查看任务队列 admins only")
    if "RQ_DASHBOARD_REDIS_URL" not in current_app.config:
        current_app.config["RQ_DASHBOARD_REDIS_URL"] = (redis_url(current_app),)
    if getattr(current_app, "redis_conn", None) is None:
        current_app.redis_conn = get_redis(current_app)
    return None


def init_app(app: Flask) -> None:
    """Mount rq-dashboard at /admin/rq behind the admin guard."""
    import rq_dashboard

    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    app.before_request(_guard_dashboard)  # app-level: runs before the blueprint's own hooks
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=DASHBOARD_PREFIX)


def failed_jobs() -> list[FailedJob]:
    """Failed jobs of every hotline queue, oldest first."""
    connection = get_redis()
    found = []
    for name in QUEUE_NAMES:
        registry = Queue(name, connection=connection).failed_job_registry
        for job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=connection) if Job.exists(job_id, connection=connection) else None
            if job is None:
                continue
            found.append(_describe(job, name))
    return found


def _describe(job: Job, queue: str) -> FailedJob:
    error = ""
    result = job.latest_result()
    if result is not None and result.exc_string:
        last = result.exc_string.strip().splitlines()[-1]
        error = last.split(":", 1)[0]
    ended = job.ended_at.isoformat(timespec="seconds") if job.ended_at else ""
    return FailedJob(job.id, queue, job.func_name, ended, error)


def requeue_failed(dry_run: bool = False) -> list[FailedJob]:
    """Put every failed job back on its queue (jobs are idempotent: safe to run again)."""
    jobs = failed_jobs()
    if dry_run:
        return jobs
    connection = get_redis()
    for job in jobs:
        Queue(job.queue, connection=connection).failed_job_registry.requeue(job.id)
    return jobs
