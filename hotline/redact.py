"""What a log line may show of a URL path: runs of 7 or more digits (tracking codes, reporters'
secrets, phone numbers) replaced. Used by gunicorn's access log and the app's own error log."""

from __future__ import annotations

import re

LONG_NUMBER = re.compile(r"\+?\d{7,}")


def redact_path(path: str) -> str:
    return LONG_NUMBER.sub("[redacted]", path)
