"""Users and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.auth.passwords import hash_password, hash_token, new_token, password_problem, verify_password
from hotline.errors import Conflict, NotFound, Unauthorized, ValidationError
from hotline.extensions import db
from hotline.models import ApiToken, Department, Role, User


def create_user(username: str, role: str, password: str, bureau: str | None = None, phone: str | None = None) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationError("用户名不能为空 username is required", {"username": ["required"]})
    if role not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise ValidationError(f"未知角色 unknown role '{role}' (one of {roles})", {"role": ["unknown"]})
    department = None
    if bureau:
        department = db.session.scalar(sa.select(Department).filter_by(code=bureau))
        if department is None:
            raise ValidationError(f"未知部门 unknown department '{bureau}'", {"bureau": ["unknown"]})
    if role == Role.LIAISON and department is None:
        raise ValidationError(
            "联络员必须指定部门 a liaison must name a department (--bureau)", {"bureau": ["required"]}
        )
    if phone is not None and not _looks_e164(phone):
        raise ValidationError(
            f"手机号须为E.164格式 phone must be E.164, e.g. +8613800000000: '{phone}'", {"phone": ["invalid"]}
        )
    if db.session.scalar(sa.select(User.id).filter_by(username=username)) is not None:
        raise ValidationError(f"用户名已存在 user '{username}' already exists", {"username": ["duplicate"]})
    problem = password_problem(password, username)
    if problem:
        raise ValidationError(f"密码不合要求 password refused: {problem}", {"password": [problem]})
    user = User(username=username, role=role, department=department, phone=phone, password_hash=hash_password(password))
    db.session.add(user)
    db.session.commit()
    return user


def _looks_e164(phone: str) -> bool:
    return phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16


def authenticate(username: str, password: str) -> User:
    """The active user with this name and password (API tokens and web sessions both use it)."""
    user = db.session.scalar(sa.select(User).filter_by(username=username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        raise Unauthorized("用户名或密码错误 wrong username or password")
    return user


def issue_token(username: str, password: str, now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    user = authenticate(username, password)
    token = new_token()
    expires_at = now + ttl
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=expires_at))
    db.session.commit()
    return token, expires_at


def user_for_token(token: str, now: datetime) -> User | None:
    row = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.expires_at > now, ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row.user


def revoke_token(token: str, now: datetime) -> None:
    """Sign an API token out: from now on it answers 401."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.commit()


def end_web_sessions(user_id: int) -> None:
    """End every web session of the user (sign-out): the session id carries the epoch."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))
    db.session.commit()


def _switch(user: User, active: bool, now: datetime) -> None:
    user.active = active
    if not active:  # at once: every web session and every token of the user
        user.session_epoch = (user.session_epoch or 0) + 1
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        )


def set_active_by_name(username: str, active: bool, now: datetime) -> User:
    """``users disable|enable NAME``."""
    user = db.session.scalar(sa.select(User).filter_by(username=username))
    if user is None:
        raise NotFound(f"用户不存在 no user '{username}'")
    _switch(user, active, now)
    db.session.commit()
    return user


def list_users() -> list[User]:
    """Every account, by role then name (the admin's list)."""
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.username)))


def set_user_active(user_id: int, active: bool, *, actor: User) -> User:
    """Switch an account on or off; a switched-off user can neither sign in nor use a token."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 user not found")
    if user.id == actor.id and not active:
        raise Conflict("不能停用自己的账号 you cannot switch off your own account")
    _switch(user, active, datetime.now(UTC))
    db.session.commit()
    return user
