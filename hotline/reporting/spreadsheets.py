"""CSV and XLSX files from rows, with spreadsheet formula injection neutralised.

A cell a spreadsheet would read as a formula (text starting with ``= + - @``, a tab or a
carriage return) is written with a leading apostrophe, so a report that says
``=HYPERLINK(...)`` stays text. Numbers stay numbers. CSV is UTF-8 with a byte-order mark
so Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    # Imported here: openpyxl costs every web worker ~10 MB, and only an export needs it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])

    def clean(value: Any) -> Any:
        value = neutralise(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    sheet.append([clean(h) for h in header])
    for row in rows:
        sheet.append([clean(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
