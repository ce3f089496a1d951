"""Issue 11, accounts: the analysis readable again (printed so that it validates as input,
summarised by 'prospect show'), and money in the workspace's currency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from kaflow.application.analysis import Analysis
from tests.builders import ANALYSIS
from tests.cli.conftest import Run, as_json, new_account


def printed(ws: Run, pid: str, *fmt: str) -> Any:
    out = ws("prospect", "analysis", pid, *fmt).stdout
    return json.loads(out) if fmt else yaml.safe_load(out)


# -- the analysis, readable again ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_the_printed_analysis_is_read_back_by_analyse(ws: Run, tmp_path: Path, fmt: str) -> None:
    pid = new_account(ws, "analysed")
    out = ws("prospect", "analysis", pid, "--format", fmt).stdout
    (tmp_path / f"a.{fmt}").write_text(out, encoding="utf-8")
    again = ws("analyse", pid, "--file", f"a.{fmt}").stdout
    assert "140000.00" in again  # the same development value
    # What it printed is the analysis recorded, whole; printed again, the same.
    read = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert Analysis.model_validate(read) == Analysis.model_validate(ANALYSIS)
    assert printed(ws, pid, *(["--format", "json"] if fmt == "json" else [])) == read


def test_an_edited_analysis_is_analysed_again(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    out = ws("prospect", "analysis", pid).stdout
    assert out.startswith("# The analysis of account")  # a comment: still an analysis
    edited = yaml.safe_load(out)
    edited["forecast"]["risk_level"] = 0.5
    edited["decision_makers"].append({"name": "Zhou Min", "position": "CFO"})
    (tmp_path / "edited.yaml").write_text(yaml.safe_dump(edited, allow_unicode=True))
    ws("analyse", pid, "--file", "edited.yaml")
    assert Analysis.model_validate(printed(ws, pid)) == Analysis.model_validate(edited)
    shown = as_json(ws("prospect", "show", pid, "--json"))
    assert shown["development_value"] == "87500.00"  # 175,000.00 at a risk of 0.5
    assert shown["analysis"]["decision_makers"][-1] == {"name": "Zhou Min", "position": "CFO"}


def test_json_and_the_json_flag_agree_and_conflict_with_yaml(ws: Run) -> None:
    pid = new_account(ws, "analysed")
    assert printed(ws, pid, "--json") == printed(ws, pid, "--format", "json")
    result = ws("prospect", "analysis", pid, "--format", "yaml", "--json", code=2)
    assert "--format yaml and --json" in result.stderr


def test_an_account_never_analysed_has_no_analysis_to_print(ws: Run) -> None:
    pid = new_account(ws)
    result = ws("prospect", "analysis", pid, code=3)
    assert "has not been analysed yet" in result.stderr
    assert "'kaflow analyse'" in result.stderr and result.stdout == ""
    unknown = ws("prospect", "analysis", "0" * 32, code=3)
    assert "no account with id" in unknown.stderr


def test_show_summarises_the_analysis(ws: Run) -> None:
    pid = new_account(ws, "analysed")
    text = ws("prospect", "show", pid).stdout
    assert "development value: ¥140,000.00" in text
    assert "decision makers:   Wang Li (Purchasing director)" in text
    assert "competitors:       Acme Chemicals" in text
    data = as_json(ws("prospect", "show", pid, "--json"))
    assert data["development_value"] == "140000.00"  # the key kept, as it was
    assert data["analysis"]["development_value"] == "140000.00"
    assert data["analysis"]["decision_makers"] == [
        {"name": "Wang Li", "position": "Purchasing director"}
    ]
    assert data["analysis"]["competitors"] == ["Acme Chemicals"]
    never = new_account(ws)
    assert as_json(ws("prospect", "show", never, "--json"))["analysis"] is None
    assert "decision makers" not in ws("prospect", "show", never).stdout


def test_a_negative_asset_liability_ratio_is_bad_input(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    bad = json.loads(json.dumps(ANALYSIS, default=str))
    bad["management"]["asset_liability_ratio"] = -0.2
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = ws("analyse", pid, "--file", "bad.json", code=2)
    assert "asset_liability_ratio" in result.stderr
    assert as_json(ws("prospect", "show", pid, "--json"))["state"] == "identified"


# -- money ------------------------------------------------------------------------------


def test_amounts_for_people_in_the_workspace_currency(
    ws: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = new_account(ws, "analysed")
    assert "¥140,000.00" in ws("prospect", "list").stdout
    monkeypatch.setenv("COLUMNS", "40")
    assert "¥140,000.00" in ws("prospect", "list").stdout  # never split
    assert as_json(ws("prospect", "list", "--json"))[0]["development_value"] == "140000.00"
    assert "Development value  ¥140,000.00" in ws("ledger", pid).stdout
    assert as_json(ws("ledger", pid, "--json"))["account"]["development_value"] == "140000.00"


def test_another_currency_and_an_unknown_one(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    config = tmp_path / "kaflow.toml"
    original = config.read_text()
    config.write_text('currency = "USD"\n' + original)
    assert "development value: $140,000.00" in ws("prospect", "show", pid).stdout
    assert "Development value  $140,000.00" in ws("ledger", pid).stdout
    config.write_text('currency = "EUR"\n' + original)
    assert "€140,000.00" in ws("prospect", "list").stdout
    config.write_text('currency = "XYZ"\n' + original)
    result = ws("prospect", "list", code=2)
    assert "currency" in result.stderr and "'XYZ'" in result.stderr
    assert str(config) in result.stderr


def test_the_record_in_csv_and_xlsx_keeps_numbers(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    ws("ledger", pid, "--format", "csv", "--output", "r.csv")
    assert "Development value,140000.00" in (tmp_path / "r.csv").read_text("utf-8-sig")
    ws("ledger", pid, "--format", "xlsx", "--output", "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None
    [cell] = [
        sheet.cell(r[0].row, 2) for r in sheet.iter_rows() if r[0].value == "Development value"
    ]
    assert cell.value == 140000 and cell.data_type == "n"
    assert cell.number_format == '"¥"#,##0.00'


def test_the_registry_shows_values_in_the_currency(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "followed_up")
    ws("win", pid, "--classification", "A", "--summary", "signed", user="mia")
    text = ws("report", "registry").stdout
    assert "¥140,000.00" in text
    [row] = as_json(ws("report", "registry", "--json"))["sections"][0]["rows"]
    assert row["development_value"] == "140000.00"
    ws("report", "registry", "--format", "csv", "--output", "registry.csv")
    assert ",140000.00," in (tmp_path / "registry.csv").read_text("utf-8-sig")
