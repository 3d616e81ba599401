"""Users and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.auth.passwords import hash_password, hash_token, new_token, password_problem, verify_password
from hotline.errors import Conflict, NotFound, Unauthorized, ValidationError
from hotline.extensions import db
from hotline.models import ApiToken, Department, Role, User
from hotline.phones import normalise_phone


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
        message = "联络员必须指定所属部门 a liaison must name a department"
        raise ValidationError(message, {"bureau": [message]})
    if phone is not None and phone.strip():
        phone = checked_phone(phone)
    else:
        phone = None
    if db.session.scalar(sa.select(User.id).filter_by(username=username)) is not None:
        raise ValidationError(f"用户名已存在 user '{username}' already exists", {"username": ["duplicate"]})
    problem = password_problem(password, username)
    if problem:
        raise ValidationError(f"密码不合要求 password refused: {problem}", {"password": [problem]})
    user = User(username=username, role=role, department=department, phone=phone, password_hash=hash_password(password))
    db.session.add(user)
    db.session.commit()
    return user


PHONE_ERROR = (
    "手机号格式有误，请填写11位手机号（如13800000000）或+86开头的号码 enter an 11-digit mobile or an E.164 number"
)


def checked_phone(phone: str) -> str:
    """A staff member's SMS number: plain 11-digit mobiles are accepted and stored as +86."""
    normal = normalise_phone(phone)
    if normal is None:
        raise ValidationError(PHONE_ERROR, {"phone": [PHONE_ERROR]})
    return normal


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


def _new_password(password: str | None, username: str) -> str:
    problem = password_problem(password or "", username)
    if problem:
        raise ValidationError(problem, {"password": [problem]})
    return hash_password(password or "")


def _revoke_tokens(user: User, now: datetime) -> None:
    """A new password ends the user's API tokens (web sessions: see the trust work's epoch)."""
    for token in db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


def update_user(user_id: int, changes: dict, *, actor: User) -> User:
    """An administrator edits an account: role, department, phone, 姓名 (the username stays)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 user not found")
    role = changes.get("role") or user.role
    if role not in {r.value for r in Role}:
        message = "请选择角色 choose a role"
        raise ValidationError(message, {"role": [message]})
    if user.id == actor.id and role != user.role:
        raise Conflict("不能修改自己的角色 you cannot change your own role")
    errors: dict[str, list[str]] = {}
    department = None
    if changes.get("bureau"):
        department = db.session.scalar(sa.select(Department).filter_by(code=changes["bureau"]))
        if department is None:
            errors["bureau"] = ["未知部门 unknown department"]
    elif role == Role.LIAISON:
        errors["bureau"] = ["联络员必须指定所属部门 a liaison must name a department"]
    phone = changes.get("phone")
    if phone and phone.strip() and normalise_phone(phone) is None:
        errors["phone"] = [PHONE_ERROR]
    if errors:
        raise ValidationError("输入有误 Validation failed", errors)
    user.role, user.department = role, department
    user.phone = checked_phone(phone) if phone and phone.strip() else None
    user.full_name = (changes.get("full_name") or "").strip() or None
    db.session.commit()
    return user


def reset_password(user_id: int, password: str, *, actor: User, now: datetime) -> User:
    """An administrator sets a new password (told to the user in person, often because the old
    one got out): every token and every web session of the user ends at once."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 user not found")
    user.password_hash = _new_password(password, user.username)
    _revoke_tokens(user, now)
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.commit()
    return user


def change_own_password(user: User, current: str, new: str, *, now: datetime) -> User:
    """Self-service: the current password first, then the new one (twice, checked by the page)."""
    if not verify_password(user.password_hash, current or ""):
        message = "当前密码不正确 the current password is wrong"
        raise ValidationError(message, {"current": [message]})
    user.password_hash = _new_password(new, user.username)
    _revoke_tokens(user, now)
    db.session.commit()
    return user
