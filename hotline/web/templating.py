"""Jinja filters and globals shared by every page: local times, time left, code names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from hotline.tickets.enums import DEFAULT_URGENCY, AssignmentStatus, ExtensionStatus, TicketStatus
from hotline.tickets.lifecycle import LIVE_ASSIGNMENT_STATES
from hotline.tracking import services as tracking
from hotline.web import i18n, labels

# Where each role lands after signing in.
LANDING = {
    "operator": "operator.console",
    "liaison": "liaison.inbox",
    "supervisor": "supervisor.board",
    "admin": "admin_pages.index",
}


def landing_url(user) -> str:
    return url_for(LANDING.get(user.role, "web.report"))


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_user_timezone(value).strftime(fmt)


def duration_text(seconds: float) -> str:
    """3 d 4 h, 2 h 15 min, 12 min: the two largest units are enough to act on."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h", d=days, h=hours)
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    return _("%(m)s min", m=max(minutes, 1) if seconds else 0)


def time_left(due: datetime | None, now: datetime | None = None) -> dict[str, Any]:
    """{'text', 'overdue', 'seconds'} for a deadline, seen from now."""
    if due is None:
        return {"text": "", "overdue": False, "seconds": 0}
    now = now or datetime.now(UTC)
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return {"text": _("%(t)s overdue", t=duration_text(seconds)), "overdue": True, "seconds": seconds}
    return {"text": _("%(t)s left", t=duration_text(seconds)), "overdue": False, "seconds": seconds}


def reference() -> dict[str, dict[str, dict[str, str]]]:
    """The code lists, by kind and code, read once per request."""
    if "hotline_reference" not in g:
        from hotline.reference.services import reference_lists

        g.hotline_reference = {
            kind: {item["code"]: item for item in items} for kind, items in reference_lists().items()
        }
    return g.hotline_reference


def ref_name(code: str | None, kind: str) -> str:
    """A code's name in the page's language (kind: protection_types, streets, bureaus, ...)."""
    if not code:
        return ""
    item = reference().get(kind, {}).get(code)
    if item is None:
        return code
    return (item.get("name_en") or item["name"]) if i18n.is_english() else item["name"]


def ref_choices(kind: str, blank: str | None = None) -> list[tuple[str, str]]:
    items = [(code, ref_name(code, kind)) for code in reference().get(kind, {})]
    return ([("", blank)] if blank is not None else []) + items


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_CODE_IN_PARENS = re.compile(r"\((?:[a-z][a-z0-9_]*:)?[a-z][a-z0-9_]*\)")
_DEFAULT_RULE = re.compile(r"[「']default-([a-z_]+)[」']")
# System reasons the services write in both languages (user-typed reasons are shown as typed).
SYSTEM_TEXTS = (
    "改派 re-dispatched",
    tracking.LEAD_RETURNED,
    tracking.LEAD_WITHDRAWN,
    tracking.ON_BEHALF_FEEDBACK,
    tracking.ON_BEHALF_SIGN_FOR,
)


def page_text(message: Any) -> str:
    """One language of a service's bilingual message ("中文 English"): the Chinese part on a
    Chinese page, the English part with ?lang=en. A message with no Chinese is left alone."""
    text = str(message or "")
    cjk = list(_CJK.finditer(text))
    if not cjk:
        return text
    cut = cjk[-1].end()
    # Keep a closing bracket or quote that belongs to the Chinese part.
    while cut < len(text) and text[cut] in "）」』”)":
        cut += 1
    chinese, english = text[:cut].strip(), text[cut:].strip()
    if i18n.is_english():
        return english or chinese
    for code, name in labels.TICKET_STATUS.items():  # "状态为 dispatched" → the status's name
        chinese = re.sub(rf"(?<![a-z_]){code}(?![a-z_])", str(name), chinese)
    return chinese


def system_reason(reason: str | None) -> str:
    return page_text(reason) if reason in SYSTEM_TEXTS else (reason or "")


def explanation(text: str | None) -> str:
    """A dispatch explanation, once, in the page's language, without internal codes."""
    if not text:
        return ""
    chinese, _sep, english = text.partition("\n")
    if i18n.is_english():
        return english or chinese
    chinese = _CODE_IN_PARENS.sub("", chinese)
    return _DEFAULT_RULE.sub(
        lambda m: "「" + _("default rule for %(type)s", type=ref_name(m.group(1), "protection_types")) + "」", chinese
    )


def extension_days(days: int | None, ticket: Any) -> str:
    """Extension days in the unit the ticket's feedback deadline counts in (the services' rule)."""
    from hotline.tracking.services import extends_in_working_days

    if extends_in_working_days(ticket):
        return _("%(n)s working days", n=days)
    return _("%(n)s days", n=days)


def lang_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = lang
    return url_for(request.endpoint or "web.report", **(request.view_args or {}), **args)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        localtime=localtime,
        ref=ref_name,
        ticket_status=lambda code: labels.label(labels.TICKET_STATUS, code),
        public_status=lambda code: labels.label(labels.PUBLIC_STATUS, code),
        assignment_status=lambda code: labels.label(labels.ASSIGNMENT_STATUS, code),
        assignment_role=lambda code: labels.label(labels.ASSIGNMENT_ROLE, code),
        extension_status=lambda code: labels.label(labels.EXTENSION_STATUS, code),
        role_name=lambda code: labels.label(labels.ROLE, code),
        channel=lambda code: labels.label(labels.CHANNEL, code),
        call_status=lambda code: labels.label(labels.CALL_STATUS, code),
        gender=lambda code: labels.label(labels.GENDER, code),
        outcome=lambda code: labels.label(labels.REVISIT_OUTCOME, code),
        deadline_kind=lambda code: labels.label(labels.DEADLINE_KIND, code),
        risk=lambda code: labels.label(labels.RISK, code),
        visit_kind=lambda code: labels.label(labels.VISIT_KIND, code),
        file_status=lambda code: labels.label(labels.FILE_STATUS, code),
        event_action=labels.event_label,
        escalation_level=lambda code: labels.label(labels.ESCALATION_LEVEL, code),
        reach_group=lambda code: labels.label(labels.REACH_GROUP, code),
        duration=duration_text,
        page_text=page_text,
        tz_name=lambda tz: _("Beijing time") if tz in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else tz,
        message_status=lambda code: labels.label(labels.MESSAGE_STATUS, code),
        message_kind=lambda code: labels.label(labels.MESSAGE_KIND, code),
        system_reason=system_reason,
        explanation=explanation,
    )
    # The kernel's vocabularies, so pages compare statuses by name as the code does.
    app.jinja_env.globals.update(
        AS=AssignmentStatus,
        ES=ExtensionStatus,
        TS=TicketStatus,
        LIVE=sorted(LIVE_ASSIGNMENT_STATES),
        DEFAULT_URGENCY=DEFAULT_URGENCY,
    )
    app.jinja_env.globals.update(
        time_left=time_left,
        extension_days=extension_days,
        lang_url=lang_url,
        html_lang=i18n.html_lang,
        is_english=i18n.is_english,
    )

    @app.context_processor
    def _nav() -> dict[str, Any]:
        user = current_user if current_user and current_user.is_authenticated else None
        return {
            "signed_in": user,
            "home_url": landing_url(user) if user else url_for("web.report"),
            "hotline_phone": current_app.config.get("HOTLINE_PHONE_DISPLAY", ""),
        }
