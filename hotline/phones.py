"""Phone numbers as people type them, in the one form the service stores and texts (E.164).

A Chinese mobile typed as its plain 11 digits (13800000000, 138 0000 0000, 138-0000-0000)
is +8613800000000; 0086… and 86… prefixes are the same number; a landline with its area code
(024-12345678) is +862412345678. Pure: no Flask, no database.
"""

from __future__ import annotations

import re

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SEPARATORS = re.compile(r"[\s\-().·]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0[1-9]\d{8,10}$")


def normalise_phone(value: str | None) -> str | None:
    """The E.164 form of ``value``, or None when it cannot be a phone number."""
    if value is None:
        return None
    number = _SEPARATORS.sub("", value.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if _MOBILE.match(number):
        return "+86" + number
    if number.startswith("86") and _MOBILE.match(number[2:]):
        return "+" + number
    if _LANDLINE.match(number):
        return "+86" + number[1:]
    return number if E164.match(number) else None
