"""Golden import files (tests/cli/golden/imports, written once by its make.py and kept):
an English workbook, a Chinese one (the form's sheets, headers and values) and a GBK CSV
import as they did, refusals at the same cells; and a 10,000-row workbook imports whole,
once."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.cli.conftest import Run, as_json

GOLDEN = Path(__file__).parent / "golden" / "imports"
FILES = ["team.en.xlsx", "team.zh.xlsx", "team.gbk.csv"]


def masked(data: dict[str, Any]) -> dict[str, Any]:
    """The answer with the ids the store gave masked."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID",
                  json.dumps(data, ensure_ascii=False, sort_keys=True))  # fmt: skip
    found: dict[str, Any] = json.loads(text)
    return found


@pytest.mark.parametrize("name", FILES)
def test_a_golden_file_imports_as_it_did(ws: Run, tmp_path: Path, name: str) -> None:
    shutil.copy(GOLDEN / name, tmp_path / name)
    data = as_json(ws("import", name, "--json", code=1))
    expected = GOLDEN / f"{name}.json"
    if os.environ.get("KAFLOW_UPDATE_GOLDEN"):
        expected.write_text(json.dumps(masked(data), ensure_ascii=False, indent=1) + "\n")
    assert masked(data) == json.loads(expected.read_text(encoding="utf-8"))
    # What the golden answer says, in words: A whole, B refused at its visit's lead (R6),
    # C refused at its date; the rest of B and C not imported.
    assert (data["rows"], data["accounts"]) == (17, 3)
    assert (data["imported"], data["refused"], data["not_imported"]) == (8, 2, 7)
    refused = [r for r in data["results"] if r["result"] == "refused"]
    [lead] = [r for r in refused if r["rule"] == "R6"]
    [date] = [r for r in refused if r["field"] == "occurred_at"]
    csv = name.endswith(".csv")
    assert lead["cell"].endswith("!T17" if csv else "!N14")  # the visit's lead
    assert date["cell"].endswith("!C4" if csv else "!H4")  # C's date
    [a] = as_json(ws("prospect", "list", "--json"))
    assert (a["name"], a["state"]) == ("华东建材有限公司", "followed_up")
    again = as_json(ws("import", name, "--json", code=1))
    assert (again["imported"], again["already_imported"]) == (0, 8)


@pytest.mark.sqlite_only
def test_ten_thousand_rows_import_whole_and_once(ws: Run, tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    accounts, steps = book.create_sheet("accounts"), book.create_sheet("steps")
    accounts.append(["account", "name", "category", "nature", "identified at"])
    steps.append(["account", "step", "when", "method", "chair", "notes", "channel", "person",
                  "attitude", "participants"])  # fmt: skip
    for n in range(2000):
        ref = f"K{n}"
        accounts.append([ref, f"Account {n} 有限公司", "potential", "distributor", "2026-03-01"])
        steps.append([ref, "analyse", "2026-03-02", "", "", "", "", "", "", ""])
        steps.append([ref, "approach", "2026-03-03", "visit", "mia", "go", "", "", "", ""])
        steps.append([ref, "contact", "2026-03-04", "", "", "keen", "phone", "Wang", "positive",
                      ""])  # fmt: skip
        steps.append([ref, "conference", "2026-03-05", "", "", "plan", "", "", "", "sam,mia"])
    book.save(tmp_path / "big.xlsx")
    _analysis_column(tmp_path / "big.xlsx")  # the one analysis file, read once
    data = as_json(ws("import", "big.xlsx", "--json"))
    assert (data["rows"], data["accounts"], data["imported"]) == (10000, 2000, 10000)
    assert len(as_json(ws("prospect", "list", "--json"))) == 2000
    again = as_json(ws("import", "big.xlsx", "--json"))
    assert (again["imported"], again["already_imported"]) == (0, 10000)


def _analysis_column(path: Path) -> None:
    """Every analyse row names analysis.json (in the workspace, written by ``ws``)."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["steps"]
    sheet.cell(1, 11, "analysis file")
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 2).value == "analyse":
            sheet.cell(row, 11, "analysis.json")
    book.save(path)
