"""Every SMS text, in one place. Chinese; never a child's name, address or reporter contact.

Templates take only the fields listed here, so a child's personal data cannot reach an SMS
by accident: ``render`` refuses any other field.
"""

from __future__ import annotations

from string import Formatter

SIGNATURE = "【未成年人保护热线】"

TEMPLATES: dict[str, str] = {
    "test": SIGNATURE + "测试短信，无需回复。",
}

ALLOWED_FIELDS = {
    "number", "urgency", "due", "link", "bureau", "level", "kind", "days", "tracking_code", "secret",
    "count", "summary", "reason_short", "status",
}


def render(name: str, **fields: str) -> str:
    template = TEMPLATES[name]
    used = {field for _, field, _, _ in Formatter().parse(template) if field}
    unknown = used - ALLOWED_FIELDS
    if unknown:
        raise ValueError(f"template {name} uses fields not allowed in SMS: {sorted(unknown)}")
    return template.format(**fields)
