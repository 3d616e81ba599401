"""Set-up warnings: every way the current configuration would let a notice reach nobody.

A fresh install has no phones at all: every dispatch SMS and every rung of the ladder would go
nowhere, silently. These checks say so, once, in words an administrator can act on:
``flask --app wsgi hotline check`` prints them, ``GET /api/v1/setup`` returns them and the admin
page shows them. Read-only; cheap enough to run on every admin page view.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import Department
from hotline.notify.contacts import Directory
from hotline.settings import Settings
from hotline.tickets.calendar import knows_year

LISTED = 6  # a message names this many departments, then "等N个"
ASSIGNABLE = ("bureau", "street")  # the kinds of department that receive assignments
CALENDAR_HORIZON = timedelta(days=90)  # deadlines and ladders reach this far ahead


def _names(departments: list[Department]) -> str:
    shown = "、".join(f"{d.name}({d.code})" for d in departments[:LISTED])
    return shown + (f" 等{len(departments)}个 ({len(departments)} in all)" if len(departments) > LISTED else "")


def _names_zh(departments: list[Department]) -> str:
    shown = "、".join(d.name for d in departments[:LISTED])
    return shown + (f" 等{len(departments)}个" if len(departments) > LISTED else "")


def _warning(code: str, message: str, zh: str, **details: Any) -> dict[str, Any]:
    """``message`` is bilingual (API, CLI); ``zh`` is the Chinese alone, for the Chinese pages."""
    return {"code": code, "message": message, "zh": zh, **details}


def setup_warnings(now: datetime, *, settings: Settings) -> list[dict[str, Any]]:
    """``[{"code","message",...}]``, most actionable first; empty when nothing is missing."""
    from hotline.reference.services import configured_ladder

    directory = Directory()
    assignable = [
        d
        for d in db.session.scalars(sa.select(Department).where(Department.active.is_(True)).order_by(Department.id))
        if d.kind in ASSIGNABLE
    ]
    warnings: list[dict[str, Any]] = []
    silent = [d for d in assignable if not directory.liaisons(d)]
    for department in silent:
        warnings.append(
            _warning(
                "department_without_liaison_phone",
                f"{department.name}({department.code}) 没有联络员手机号：派单和催办短信改发中心 "
                "has no liaison phone: its dispatch and chasing SMS go to the center instead",
                f"{department.name} 没有联络员手机号：派单和催办短信改发中心",
                department=department.code,
            )
        )
    ladder = configured_ladder(settings.timezone)
    for rung in ladder.rungs:
        label = f"第{rung.level}级 {rung.name or rung.name_en}"
        nobody = [d for d in assignable if not directory.reach(rung.to, d).phones]
        if nobody:
            warnings.append(
                _warning(
                    "escalation_rung_reaches_nobody",
                    f"{label} 无人可通知 would reach nobody (no phone for {', '.join(rung.to)}, the department, "
                    f"the center's contacts or any supervisor) for: {_names(nobody)}",
                    f"第{rung.level}级 {rung.name} 无人可通知（部门、中心联系人和督办员都没有手机号）：{_names_zh(nobody)}",
                    level=rung.level,
                    departments=[d.code for d in nobody],
                )
            )
        shared = [group for group in rung.to if group in ("center", "leading_group")]
        if shared and not directory.phones(shared, None) and len(nobody) < len(assignable):
            fallback = "中心联系人 center's contacts" if directory.center_office() else "督办员 supervisors"
            warnings.append(
                _warning(
                    "escalation_rung_falls_back",
                    f"{label}：{', '.join(shared)} 没有手机号，改发{fallback} has no phone; sent to the {fallback} instead",
                    f"第{rung.level}级 {rung.name}：中心或领导小组办公室没有手机号，改发"
                    + ("中心联系人" if directory.center_office() else "督办员"),
                    level=rung.level,
                )
            )
    tz = ZoneInfo(settings.timezone)
    years = sorted({now.astimezone(tz).year, (now + CALENDAR_HORIZON).astimezone(tz).year})
    for year in years:
        if not knows_year(year):
            warnings.append(
                _warning(
                    "calendar_year_unknown",
                    f"工作日历不含{year}年的节假日安排：期限按周一至周五计算 the working-day calendar does not know {year}: "
                    "deadlines count Monday-Friday; add the holidays under [calendar] in reference.toml",
                    f"工作日历不含{year}年的节假日安排：期限按周一至周五计算，请在参考数据文件中补录节假日",
                    year=year,
                )
            )
    key_file = settings.secret_key_file
    if key_file:
        warnings.append(
            _warning(
                "secret_key_from_instance",
                f"SECRET_KEY 未设置，使用 {key_file} 中生成的密钥 SECRET_KEY is unset: the key generated in {key_file} "
                "is used; set SECRET_KEY for every process in production",
                "未设置密钥环境变量，正在使用实例目录中生成的密钥；生产环境请为每个进程设置密钥",
            )
        )
    return warnings
