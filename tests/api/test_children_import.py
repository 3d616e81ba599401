"""The survey import: XLSX and CSV, checked as a whole, idempotent, and its template."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

HEADER = [
    "name",
    "gender",
    "birth_date",
    "street",
    "address",
    "situations",
    "risk",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
]
ROWS = [
    [
        "王小花",
        "female",
        "2016-05-04",
        "jiangyuan",
        "幸福路1号",
        "left_behind;poor_family",
        "high",
        "王奶奶",
        "祖母",
        "+8613800001111",
    ],
    ["李小明", "男", "2012-01-20", "zhengcha", "和平里3号", "disabled", "low", "李父", "父亲", ""],
    ["赵小军", "", "2019-11-11", "jiangyuan", "", "street_child", "中", "", "", ""],
]


def csv_bytes(rows, header=HEADER) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([date.fromisoformat(c) if i == 2 and c else c for i, c in enumerate(row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(api, content: bytes, name: str = "survey.csv"):
    return api.client.post(
        "/api/v1/children/import",
        data={"file": (io.BytesIO(content), name)},
        headers={"Authorization": f"Bearer {api.token}"},
        content_type="multipart/form-data",
    )


@pytest.fixture
def supervisor(login):
    return login("supervisor")


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_a_sheet_imports_and_a_second_import_updates(supervisor, make):
    first = upload(supervisor, make(ROWS))
    assert first.status_code == 200, first.json
    assert first.json == {"created": 3, "updated": 0, "errors": []}
    files = supervisor.get("/api/v1/children?per_page=50").json
    assert files["total"] == 3
    by_name = {item["name"]: item for item in files["items"]}
    assert by_name["王小花"]["guardians"] == [{"name": "王奶奶", "relation": "祖母", "phone": "+8613800001111"}]
    assert by_name["李小明"]["gender"] == "male" and by_name["李小明"]["visit_every_days"] == 90
    assert by_name["赵小军"]["risk"] == "medium" and by_name["赵小军"]["guardians"] == []
    assert by_name["王小花"]["situations"] == ["left_behind", "poor_family"]

    changed = [list(r) for r in ROWS]
    changed[1][6] = "high"
    again = upload(supervisor, make(changed))
    assert again.json == {"created": 0, "updated": 3, "errors": []}
    files = supervisor.get("/api/v1/children").json
    assert files["total"] == 3
    assert {i["name"]: i["risk"] for i in files["items"]}["李小明"] == "high"


def test_a_bad_row_stores_nothing_and_every_problem_is_reported(supervisor):
    rows = [list(r) for r in ROWS]
    rows.append(["", "x", "2999-01-01", "nowhere", "", "bogus", "extreme", "", "", "+861"])
    rows.append(["成年人", "female", "1990-01-01", "jiangyuan", "", "poor_family", "low", "", "", ""])
    response = upload(supervisor, csv_bytes(rows))
    assert response.status_code == 200
    assert response.json["created"] == 0 and response.json["updated"] == 0
    problems = {(e["row"], e["field"]) for e in response.json["errors"]}
    assert {(5, "name"), (5, "gender"), (5, "birth_date"), (5, "street"), (5, "situations"), (5, "risk")} <= problems
    assert (5, "guardian_name") in problems
    assert (6, "birth_date") in problems
    assert all(e["message"] for e in response.json["errors"])
    assert supervisor.get("/api/v1/children").json["total"] == 0


def test_missing_columns_and_duplicates_are_named(supervisor):
    response = upload(supervisor, csv_bytes([r[:-1] for r in ROWS], header=HEADER[:-1]))
    assert response.json["errors"] == [{"row": 1, "field": "guardian_phone", "message": "缺少此列 missing column"}]
    duplicate = upload(supervisor, csv_bytes([ROWS[0], ROWS[1], ROWS[0]]))
    assert [(e["row"], e["field"]) for e in duplicate.json["errors"]] == [(4, "name")]
    assert supervisor.get("/api/v1/children").json["total"] == 0


def test_not_a_sheet_is_a_422_naming_the_file(supervisor):
    assert upload(supervisor, b"\xff\xfe\x00garbage", "x.csv").status_code == 422
    broken = upload(supervisor, b"PK\x03\x04broken zip", "x.xlsx")
    assert broken.status_code == 422 and "file" in broken.json["errors"]
    missing = supervisor.client.post(
        "/api/v1/children/import",
        data={},
        headers={"Authorization": f"Bearer {supervisor.token}"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422 and "file" in missing.json["errors"]


def test_a_sheet_larger_than_an_ordinary_body_is_accepted(supervisor):
    rows = [
        [
            f"孩子{i:04d}",
            "female",
            "2015-01-01",
            "jiangyuan",
            "幸福路" + "很长的地址" * 10,
            "poor_family",
            "low",
            "",
            "",
            "",
        ]
        for i in range(900)
    ]
    content = xlsx_bytes(rows)
    assert len(content) > 64 * 1024 or len(csv_bytes(rows)) > 64 * 1024
    response = upload(supervisor, csv_bytes(rows))
    assert response.status_code == 200, response.json
    assert response.json["created"] == 900


@pytest.mark.parametrize("role, bureau", [("operator", None), ("liaison", "street:jiangyuan")])
def test_only_supervisors_and_admins_import(login, role, bureau):
    api = login(role, bureau=bureau)
    assert upload(api, csv_bytes(ROWS)).status_code == 403
    assert api.get("/api/v1/children/import/template").status_code == 403


def test_the_template_is_an_empty_sheet_with_the_columns(supervisor):
    response = supervisor.get("/api/v1/children/import/template")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]] == [*HEADER, "visit_every_days"]
    assert book.worksheets[0].max_row == 1
    assert "说明" in book.sheetnames
    csv_template = supervisor.get("/api/v1/children/import/template?format=csv")
    assert csv_template.data.decode("utf-8-sig").strip() == ",".join([*HEADER, "visit_every_days"])
    # the template imports as "no data rows": nothing is stored
    assert upload(supervisor, response.data, "t.xlsx").json["errors"][0]["field"] == "file"
