"""The bounds every client-sent value is held to before it can reach the database.

An id, page number or date that the database cannot represent used to surface as a driver
error (``integer out of range``, ``bigint out of range``, an ``OverflowError`` in date
arithmetic): a 500 for bad input. Every route, current and future, gets the same limits from
here: the ``int`` path converter is replaced app-wide, and schemas use these fields.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import marshmallow as ma
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL ``integer``; SQLite would take more, but ids must mean the same on both
MAX_PAGE = 100_000  # page * per_page stays far inside OFFSET's bigint
MAX_JSON_DEPTH = 32
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_URL_BYTES = 4094  # gunicorn's default request-line limit; the app answers JSON 414 above it


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only ids the database can hold: anything else is the plain 404."""

    def __init__(
        self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("0")) > len(str(MAX_ID)):
            raise ValidationError()  # int() of thousands of digits is slow or refused outright
        return super().to_python(value)


def in_year_range(value: dt.date) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


YEAR_MESSAGE = f"日期须在 {MIN_YEAR}–{MAX_YEAR} 年之间 must be between the years {MIN_YEAR} and {MAX_YEAR}"


class _YearBounded:
    """A date or moment the service can compute with (adding days, converting zones): 1900–2200."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)  # type: ignore[misc]
        if not in_year_range(result):
            raise ma.ValidationError(YEAR_MESSAGE)
        return result


class Date(_YearBounded, ma.fields.Date):
    pass


class DateTime(_YearBounded, ma.fields.DateTime):
    pass


class AwareDateTime(_YearBounded, ma.fields.AwareDateTime):
    pass


def page_field() -> ma.fields.Integer:
    return ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))


def per_page_field(default: int, maximum: int) -> ma.fields.Integer:
    return ma.fields.Integer(load_default=default, validate=ma.validate.Range(min=1, max=maximum))


_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays/objects deeper than ``limit``, found without recursion or parsing.

    Python's parser (and any recursive walk of its result) fails with ``RecursionError`` on deep
    input, so this runs on the raw bytes first. Strings, escapes included, are skipped whole by
    one regular expression, so brackets inside them do not count.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False
