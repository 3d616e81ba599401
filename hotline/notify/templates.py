"""Every SMS text, in one place. Chinese; never a child's name, address or reporter contact.

Templates take only the fields listed here, so a child's personal data cannot reach an SMS
by accident: ``render`` refuses any other field.
"""

from __future__ import annotations

from datetime import date, datetime
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

from hotline.tickets.reference import Reference

SIGNATURE = "【未成年人保护热线】"

TEMPLATES: dict[str, str] = {
    "test": SIGNATURE + "测试短信，无需回复。",
    # Dispatch (hotline/dispatch/services.py): a new assignment, and the duty alert for emergencies.
    "dispatch": SIGNATURE
    + "派单通知：工单{number}（{urgency}，{kind}）已派至贵单位，请于{due}前签收，{feedback_due}前反馈。{link}",
    "dispatch_unreachable": SIGNATURE
    + "派单未送达：工单{number}（{urgency}，{kind}）已派至{bureau}，该单位无联络员手机号，请电话通知其于{due}前签收。{link}",
    "alert": SIGNATURE + "紧急警报：紧急工单{number}（{urgency}）{status}，请值班人员立即处理。{link}",
    # Overdue chasing (hotline/escalation/chaser.py): the ladder's rungs and the daily digest.
    "chase_reminder": SIGNATURE + "催办提醒：工单{number}（{urgency}）请于{due}前完成{kind}，请及时办理。",
    "chase_level1": SIGNATURE
    + "【蓝色督办】{bureau}：工单{number}（{urgency}）{kind}已逾期（期限{due}），请立即办理并反馈。",
    "chase_level2": SIGNATURE
    + "【橙色督办】{bureau}工单{number}（{urgency}）{kind}逾期未办（期限{due}），请中心督办。",
    "chase_level3": SIGNATURE
    + "【红色通报】{bureau}工单{number}（{urgency}）{kind}严重逾期（期限{due}），请领导小组办公室督办通报。",
    "chase_escalation": SIGNATURE + "【{level}级督办】{bureau}工单{number}（{urgency}）{kind}已逾期（期限{due}）。",
    # Visits (hotline/children/chaser.py): a child's file by its number only, never the child's name.
    "visit_reminder": SIGNATURE + "走访提醒：专项档案{number}请于{due}前完成定期走访。",
    "visit_level1": SIGNATURE + "【蓝色督办】{bureau}：专项档案{number}定期走访已逾期（期限{due}），请尽快走访。",
    "visit_level2": SIGNATURE + "【橙色督办】{bureau}专项档案{number}定期走访逾期未办（期限{due}），请中心督办。",
    "visit_level3": SIGNATURE
    + "【红色通报】{bureau}专项档案{number}定期走访严重逾期（期限{due}），请领导小组办公室督办通报。",
    "visit_escalation": SIGNATURE + "【{level}级督办】{bureau}专项档案{number}定期走访已逾期（期限{due}）。",
    "overdue_digest": SIGNATURE + "{date}逾期日报：共{count}件逾期未办。{summary}",
    # Tracking (hotline/tracking/services.py): decisions the center must take, and their answers.
    "return_requested": SIGNATURE + "退单申请：{bureau}申请退回工单{number}（{urgency}），请及时审核。",
    "return_approved": SIGNATURE + "工单{number}（{urgency}）的退单申请已批准，贵单位无需继续办理。",
    "return_rejected": SIGNATURE + "工单{number}（{urgency}）的退单申请未获批准，请继续办理，期限{due}。",
    "ticket_unrouted": SIGNATURE + "工单{number}（{urgency}）主办单位退单已批准，请重新派单。",
    "awaiting_verification": SIGNATURE + "工单{number}（{urgency}）各承办单位已办结反馈，请审核。",
    "extension_requested": SIGNATURE + "延期申请：{bureau}申请工单{number}（{urgency}）延期{days}天，请审批。",
    "extension_approved": SIGNATURE + "工单{number}（{urgency}）延期{days}天已批准，反馈期限改为{due}。",
    "extension_rejected": SIGNATURE + "工单{number}（{urgency}）的延期申请未获批准，反馈期限仍为{due}。",
    "ticket_reopened": SIGNATURE + "工单{number}（{urgency}）已重新交办，请继续办理，反馈期限{due}。",
    "ticket_cancelled": SIGNATURE + "工单{number}（{urgency}）已撤销，贵单位无需继续办理。",
    "assignment_withdrawn": SIGNATURE + "工单{number}（{urgency}）已由热线中心撤回，贵单位无需继续办理。",
    # Intake (hotline/intake/services.py): the TwiML reply to an SMS report.
    "report_received": SIGNATURE
    + "已收到您的报告。查询码{tracking_code}，密码{secret}，可致电本热线按3查询进度。儿童有危险请拨110。",
}

ALLOWED_FIELDS = {
    "number",
    "urgency",
    "due",
    "link",
    "bureau",
    "level",
    "kind",
    "days",
    "tracking_code",
    "secret",
    "count",
    "summary",
    "reason_short",
    "status",
    "date",
    "feedback_due",
}


def render(name: str, **fields: str) -> str:
    template = TEMPLATES[name]
    refused = set(fields) - ALLOWED_FIELDS
    if refused:
        raise ValueError(f"fields not allowed in SMS: {sorted(refused)}")
    used = {field for _, field, _, _ in Formatter().parse(template) if field}
    unknown = used - ALLOWED_FIELDS
    if unknown:
        raise ValueError(f"template {name} uses fields not allowed in SMS: {sorted(unknown)}")
    return template.format(**fields)


def ladder_template(prefix: str, level: int) -> str:
    """The SMS template of a ladder rung: ``<prefix>_reminder`` at level 0, ``<prefix>_level<N>``
    where one is written for that level, else ``<prefix>_escalation`` (assignments and visits alike)."""
    if level == 0:
        return f"{prefix}_reminder"
    name = f"{prefix}_level{level}"
    return name if name in TEMPLATES else f"{prefix}_escalation"


# --- the one formatter of the fields every ticket SMS carries ---------------------------------


def local_time(moment: datetime, tz: str) -> str:
    """A due time as every SMS writes it: local ``3月9日10:00``."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local_date(local)}{local:%H:%M}"


def local_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


def ticket_fields(ticket: Any, reference: Reference, tz: str, **moments: datetime) -> dict[str, str]:
    """The ticket number, its urgency's name (未定 when undecided) and each given time in the
    one due-time style, for ``render``: every sender builds its fields here, so one ticket
    reads the same in the dispatch SMS, the duty alert, the notices and the chaser's."""
    fields = {"number": ticket.number or f"#{ticket.id}", "urgency": reference.urgency_name(ticket.urgency)}
    fields.update({name: local_time(moment, tz) for name, moment in moments.items()})
    return fields
