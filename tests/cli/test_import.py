"""kaflow import and kaflow template import, as a team adopting kaflow uses them: a
workbook of accounts and dated steps, checked by the same rules, whole accounts only,
nothing twice, the rows' positions in every refusal; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.cli.conftest import Run, as_json

ACCOUNTS = ["account", "name", "category", "nature", "owner", "identified at"]
STEPS = [
    "account",
    "step",
    "when",
    "method",
    "chair",
    "channel",
    "person",
    "attitude",
    "participants",
    "notes",
    "customer data",
    "analysis",
    "sales materials",
    "lead",
    "place",
    "manner",
    "points",
    "views",
    "next steps",
    "feedback",
    "analysis file",
]


def step(account: str, name: str, when: str, **fields: str) -> list[str]:
    values = {"account": account, "step": name, "when": when, **fields}
    return [values.get(h.replace(" ", "_"), values.get(h, "")) for h in STEPS]


def procedure(account: str, lead: str = "mia") -> list[list[str]]:
    return [
        step(account, "analyse", "2026-03-02", analysis_file="analysis.json"),
        step(account, "approach", "2026-03-03", method="visit", chair="mia", notes="go"),
        step(
            account,
            "contact",
            "2026-03-04",
            channel="e-mail",
            person="Wang",
            attitude="positive",
            notes="keen",
        ),
        step(account, "conference", "2026-03-05", participants="sam,mia", notes="plan"),
        step(
            account, "prepare", "2026-03-05", customer_data="d", analysis="a", sales_materials="m"
        ),
        step(
            account,
            "visit",
            "2026-03-06",
            lead=lead,
            place="HQ",
            manner="face-to-face",
            points="offer",
            views="keen",
            next_steps="quote",
            person="Wang",
        ),
    ]


def workbook(path: Path, accounts: list[list[str]], steps: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "accounts"
    for row in [ACCOUNTS, *accounts]:
        sheet.append(row)
    other = book.create_sheet("steps")
    for row in [STEPS, *steps]:
        other.append(row)
    book.save(path)
    return path


def team(tmp_path: Path, lead_of_b: str = "sam") -> Path:
    """Two accounts; the follow-up of A listed first (the file need not be in order);
    B's visit led by a salesperson (R6)."""
    return workbook(
        tmp_path / "team.xlsx",
        [
            ["A", "Huadong Supplies", "potential", "distributor", "", "2026-03-01"],
            ["B", "Bolt Works", "existing", "factory", "", "2026-03-01"],
        ],
        [
            step("A", "follow-up", "2026-03-08", channel="phone", feedback="ok"),
            *procedure("A"),
            *procedure("B", lead=lead_of_b),
        ],
    )


def results(data: dict[str, Any], account_ref: str | None = None) -> list[str]:
    return [r["result"] for r in data["results"]]


def names(ws: Run) -> list[str]:
    return sorted(r["name"] for r in as_json(ws("prospect", "list", "--json")))


def test_rows_become_commands_whole_accounts_only_and_refusals_name_their_cell(
    ws: Run, tmp_path: Path
) -> None:
    data = as_json(ws("import", str(team(tmp_path)), "--json", code=1))
    assert (data["rows"], data["accounts"]) == (15, 2)
    assert (data["imported"], data["refused"], data["not_imported"]) == (8, 1, 6)
    [refused] = [r for r in data["results"] if r["result"] == "refused"]
    assert refused["row"] == "steps!14" and refused["rule"] == "R6"
    assert refused["cell"] == "steps!N14"  # the lead's column
    assert refused["account"] is None  # B was never written
    assert names(ws) == ["Huadong Supplies"]

    [a] = as_json(ws("prospect", "list", "--json"))
    assert a["state"] == "followed_up"
    events = as_json(ws("history", a["id"], "--json"))["events"]
    visit = next(e for e in events if e["type"] == "VisitRecorded")
    assert visit["occurred_at"].startswith("2026-03-06")
    assert visit["imported"] == {"file": "team.xlsx", "row": "steps!8", "by": "sam"}
    assert events[-1]["type"] == "Imported"

    again = as_json(ws("import", str(team(tmp_path)), "--json", code=1))
    assert (again["imported"], again["already_imported"], again["refused"]) == (0, 8, 1)
    assert len(as_json(ws("history", a["id"], "--json"))["events"]) == len(events)

    fixed = as_json(ws("import", str(team(tmp_path, lead_of_b="mia")), "--json"))
    assert (fixed["imported"], fixed["already_imported"], fixed["refused"]) == (7, 8, 0)
    assert names(ws) == ["Bolt Works", "Huadong Supplies"]


def test_a_dry_run_writes_nothing_and_says_the_same(ws: Run, tmp_path: Path) -> None:
    path = team(tmp_path, lead_of_b="mia")
    dry = as_json(ws("import", str(path), "--dry-run", "--json"))
    assert dry["dry_run"] is True and dry["imported"] == 15 and dry["refused"] == 0
    assert names(ws) == []
    text = ws("import", str(path), "--dry-run").stdout
    assert text.startswith("team.xlsx: 15 rows, 2 accounts: 15 imported") and "dry run" in text
    assert as_json(ws("import", str(path), "--json"))["imported"] == 15


def test_a_gbk_csv_with_the_forms_chinese_headers_and_values(ws: Run, tmp_path: Path) -> None:
    table = (
        "客户编号,步骤,日期,客户名称,客户类别,客户性质,原因,资料分析\n"
        "C1,识别,2026-03-01,华东建材有限公司,潜在客户,国企,,\n"
        "C1,失败,2026-03-02,,,,价格,预算不足\n"
    )
    path = tmp_path / "gbk.csv"
    path.write_bytes(table.encode("gbk"))
    data = as_json(ws("import", str(path), "--json"))
    assert data["imported"] == 2
    [row] = as_json(ws("prospect", "list", "--json"))
    assert (row["name"], row["state"], row["category"]) == ("华东建材有限公司", "lost", "potential")


def test_a_likely_duplicate_is_refused_unless_allowed(ws: Run, tmp_path: Path) -> None:
    ws("prospect", "add", "Huadong Supplies Co., Ltd.", "--category", "potential", "--nature", "d")
    path = tmp_path / "dup.csv"
    path.write_text(
        "account,step,when,name,category,nature\nD,identify,2026-03-01,"
        "HUADONG SUPPLIES,potential,d\n",
        encoding="utf-8",
    )
    data = as_json(ws("import", str(path), "--json", code=1))
    [r] = data["results"]
    assert r["rule"] == "duplicate" and "Huadong Supplies Co., Ltd." in r["error"]
    assert r["cell"] == "csv!D2"  # the name
    assert as_json(ws("import", str(path), "--allow-duplicate", "--json"))["imported"] == 1


def test_bad_files_and_cells_are_said_in_one_line(ws: Run, tmp_path: Path) -> None:
    err = ws("import", str(tmp_path / "none.xlsx"), code=2).stderr
    assert "no file" in err
    (tmp_path / "x.txt").write_text("a")
    assert ".xlsx or .csv" in ws("import", str(tmp_path / "x.txt"), code=2).stderr
    (tmp_path / "h.csv").write_text("account,colour\nA,red\n")
    assert "unknown column 'colour'" in ws("import", str(tmp_path / "h.csv"), code=2).stderr
    path = tmp_path / "when.csv"
    path.write_text("account,step,when,name,category,nature\nE,identify,soon,E Co,potential,d\n")
    [r] = as_json(ws("import", str(path), "--json", code=1))["results"]
    assert r["result"] == "refused" and r["cell"] == "csv!C2" and r["field"] == "occurred_at"


def test_the_template_imports_as_it_is_once_its_analysis_is_there(ws: Run, tmp_path: Path) -> None:
    ws("template", "import", "--lang", "zh", "--output", "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["客户", "开发记录"]
    assert [c.value for c in book["客户"][1]][:2] == ["客户编号", "客户名称"]
    assert "exists already" in ws("template", "import", "--output", "t.xlsx", code=2).stderr
    (tmp_path / "analysis.yaml").write_text(ws("template", "analysis").stdout, encoding="utf-8")
    data = as_json(ws("import", "t.xlsx", "--json", user="mia"))
    assert data["refused"] == 0 and data["imported"] == 4
    csv = ws("template", "import", "--format", "csv", "--output", "-").stdout
    assert csv.startswith("\ufeffaccount,step,when,name")


KILLED_MID_IMPORT = """
import os, signal, sys
from kaflow.application.service import Kaflow
from cli.main import main
save = Kaflow.save_imported
saved = []
def dying(app, *args, **kwargs):
    if len(saved) == 2:  # two accounts written: die, no clean-up
        os.kill(os.getpid(), signal.SIGKILL)
    saved.append(save(app, *args, **kwargs))
Kaflow.save_imported = dying
sys.argv = ["kaflow", "import", sys.argv[1]]
main()
"""


def test_an_import_killed_midway_leaves_whole_accounts_and_a_rerun_completes_it(
    ws: Run, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys

    path = workbook(
        tmp_path / "three.xlsx",
        [[ref, f"Account {ref}", "potential", "d", "", "2026-03-01"] for ref in "XYZ"],
        [row for ref in "XYZ" for row in procedure(ref)],
    )
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_IMPORT, str(path)],
        cwd=tmp_path,
        env={**os.environ, "KAFLOW_USER": "sam", "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    listed = as_json(ws("prospect", "list", "--json"))
    assert sorted(r["name"] for r in listed) == ["Account X", "Account Y"]
    assert {r["state"] for r in listed} == {"visited"}  # whole: every step of each
    data = as_json(ws("import", str(path), "--json"))
    assert (data["imported"], data["already_imported"]) == (7, 14)
    assert names(ws) == ["Account X", "Account Y", "Account Z"]
