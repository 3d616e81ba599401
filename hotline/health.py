"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hotline.extensions import db
from hotline.queues import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    failed: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        failed["database"] = type(exc).__name__
    try:
        get_redis().ping()
    except (RedisError, OSError, RuntimeError) as exc:
        failed["redis"] = type(exc).__name__
    if failed:
        return {"status": "unavailable", "failed": sorted(failed), "errors": failed}, 503, {"Retry-After": "5"}
    return {"status": "ok", "database": "ok", "redis": "ok"}
