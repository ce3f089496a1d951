"""Month-end exports: many records in one printable workbook, reports as xlsx, and every
report's CSV one rectangular table."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import Run, as_json, new_account
from tests.cli.test_reports import won_and_reviewed


def test_the_records_of_many_accounts_in_one_printable_workbook(ws: Run, tmp_path: Path) -> None:
    won = won_and_reviewed(ws)
    open_one = new_account(ws, "contacted")
    ws("ledger", "--all", "--format", "xlsx", "--lang", "zh", "--output", "month.xlsx")
    book = load_workbook(tmp_path / "month.xlsx")
    assert book.sheetnames[0] == "目录" and len(book.sheetnames) == 3
    index = book["目录"]
    assert [c.value for c in index[1]] == [
        "客户名称",
        "状态",
        "开发结果",
        "首次记录",
        "结果日期",
        "编号",
    ]
    ids = [index.cell(r, 6).value for r in (2, 3)]
    assert ids == [won, open_one]
    assert index.cell(2, 1).hyperlink.location == f"'{book.sheetnames[1]}'!A1"
    assert index.cell(2, 3).value == "成功"
    record = book[book.sheetnames[1]]
    assert record.cell(1, 1).value.startswith("大客户开发备案表")
    assert record.print_title_rows == "$1:$1"
    assert record.page_setup.fitToWidth == 1 and record.sheet_properties.pageSetUpPr.fitToPage
    cells = [c for row in record.iter_rows() for c in row]
    assert any(isinstance(c.value, datetime) for c in cells)  # dates a spreadsheet reads
    assert any(c.border.left.style == "thin" for c in cells)
    assert any(c.alignment.wrap_text for c in cells)

    ws("ledger", "--all", "--state", "won", "--format", "xlsx", "--output", "won.xlsx")
    assert len(load_workbook(tmp_path / "won.xlsx").sheetnames) == 2
    listed = as_json(ws("ledger", "--all", "--from", "2026-03-09", "--format", "json"))
    assert [r["account"]["id"] for r in listed] == [won]  # the open one: nothing since
    assert as_json(ws("ledger", "--all", "--to", "2020-01-01", "--json")) == []


def test_ledger_all_is_asked_for_clearly(ws: Run) -> None:
    pid = new_account(ws)
    assert "give an account's ID, or --all" in ws("ledger", code=2).stderr
    assert "--all writes --format xlsx" in ws("ledger", "--all", "--format", "csv", code=2).stderr
    assert "give --output" in ws("ledger", "--all", "--format", "xlsx", code=2).stderr
    assert "choose the accounts of --all" in ws("ledger", pid, "--state", "won", code=2).stderr
    assert "no state 'gone'" in ws("ledger", "--all", "--state", "gone", "--json", code=2).stdout


REPORTS = ["funnel", "losses", "registry", "visits", "overdue", "conformance", "activity"]


@pytest.mark.parametrize("name", REPORTS)
def test_every_reports_csv_is_one_rectangular_table(ws: Run, name: str) -> None:
    won_and_reviewed(ws)
    text = ws("report", name, "--format", "csv").stdout.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert len({len(r) for r in rows}) == 1, rows  # a header and rows, all as wide
    json_columns = as_json(ws("report", name, "--json"))["sections"][0]["columns"]
    # Each row says where in the log the report was read (issue 13): the same columns.
    assert rows[0] == [*json_columns, "log_position", "log_chain"]


def test_a_section_is_picked_by_its_title_and_reports_write_xlsx(ws: Run, tmp_path: Path) -> None:
    won_and_reviewed(ws)
    text = ws("report", "losses", "--format", "csv", "--section", "TOTALS").stdout
    assert text.lstrip("\ufeff").splitlines()[0] == "count,value,log_position,log_chain"
    err = ws("report", "losses", "--format", "csv", "--section", "nope", code=2).stderr
    assert "no section 'nope'" in err and "'by reason'" in err
    assert "--section picks" in ws("report", "losses", "--section", "totals", code=2).stderr
    ws("report", "registry", "--format", "xlsx", "--output", "registry.xlsx")
    sheet = load_workbook(tmp_path / "registry.xlsx").active
    assert sheet is not None and "registry" in str(sheet.cell(1, 1).value)
