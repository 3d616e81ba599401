"""The pure helpers behind the figures page and the exports."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from hotline.reporting import spreadsheets
from hotline.web import charts


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("普通文字", "普通文字"),
        (" =not first", " =not first"),
        (7, 7),
        (-3, -3),
        (0.5, 0.5),
        (None, ""),
    ],
)
def test_neutralise(value, written):
    assert spreadsheets.neutralise(value) == written


def test_csv_has_a_bom_and_neutralised_cells():
    body = spreadsheets.to_csv(["名称", "值"], [["=cmd|' /C calc'!A0", 3]])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["名称", "值"], ["'=cmd|' /C calc'!A0", "3"]]


def test_xlsx_holds_no_formula_and_keeps_numbers():
    body = spreadsheets.to_xlsx("表", ["a", "b"], [["=2*3", 6], ["bad\x00char", -1]])
    sheet = load_workbook(io.BytesIO(body)).active
    assert [c.value for c in sheet[2]] == ["'=2*3", 6]
    assert [c.value for c in sheet[3]] == ["badchar", -1]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_rate_bars_are_valid_svg_with_escaped_labels():
    svg = charts.rate_bars([("<部门>", 0.5, None), ("区教育局", 1.0, 0.25)], title="t&t", labels=("签收", "反馈"))
    root = ET.fromstring(str(svg))
    assert root.tag.endswith("svg")
    texts = "".join(root.itertext())
    assert "<部门>" in texts and "50%" in texts and "–" in texts and "25%" in texts


def test_stacked_weeks_scale_to_the_peak():
    svg = charts.stacked_weeks(["03-02", "03-09"], [("救助", [3, 0]), ("教育", [1, 7])], title="weekly")
    root = ET.fromstring(str(svg))
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "03-02 · 救助: 3" in titles and "03-09 · 教育: 7" in titles
    assert not any("03-09 · 救助" in (t or "") for t in titles)  # a zero draws nothing
    empty = ET.fromstring(str(charts.stacked_weeks([], [], title="none")))
    assert empty.tag.endswith("svg")
