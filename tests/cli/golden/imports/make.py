"""Writes the golden import files (run by hand; the files are kept as written):
the same team's accounts and steps as an English workbook, a Chinese workbook (the
form's sheet names, headers and values) and a GBK CSV with the Chinese headers.

    python -m tests.cli.golden.imports.make
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from kaflow.application.import_file import ACCOUNT_COLUMNS, CSV_COLUMNS, SHEETS, STEP_COLUMNS
from kaflow.reporting.export import VALUES_ZH

HERE = Path(__file__).parent
STEPS_ZH = {"identify": "识别", "analyse": "分析", "approach": "开发会议", "contact": "联系客户",
            "conference": "拜访前会议", "prepare": "拜访资料准备", "visit": "拜访",
            "follow-up": "回访", "lose": "失败"}  # fmt: skip
CODED = ("category", "method", "channel", "attitude", "manner", "reason")

ACCOUNTS = [
    {"account": "A", "name": "华东建材有限公司", "category": "potential", "nature": "distributor",
     "at": "2026-03-01"},
    {"account": "B", "name": "Bolt Works", "category": "existing", "nature": "factory",
     "at": "2026-03-01"},
    {"account": "C", "name": "Clay Co", "category": "potential", "nature": "factory",
     "at": "soon"},  # not a date: refused, its cell named
]  # fmt: skip


def procedure(account: str, lead: str) -> list[dict[str, str]]:
    return [
        {"step": "analyse", "at": "2026-03-02", "analysis_file": "analysis.json"},
        {"step": "approach", "at": "2026-03-03", "method": "visit", "chair": "mia", "notes": "go"},
        {"step": "contact", "at": "2026-03-04", "channel": "phone", "person": "Wang",
         "attitude": "positive", "notes": "keen"},
        {"step": "conference", "at": "2026-03-05", "participants": "sam,mia", "notes": "plan"},
        {"step": "prepare", "at": "2026-03-05", "customer_data": "org chart",
         "analysis": "cost", "sales_materials": "case study"},
        {"step": "visit", "at": "2026-03-06", "lead": lead, "place": "HQ",
         "manner": "face-to-face", "points": "offer", "views": "keen", "next_steps": "quote",
         "person": "Wang"},
        {"step": "follow-up", "at": "2026-03-08", "channel": "phone", "feedback": "ok"},
    ]  # fmt: skip


STEPS = [{"account": "A", **s} for s in procedure("A", "mia")] + [
    {"account": "B", **s}
    for s in procedure("B", "sam")  # R6: a salesperson leads
]


def zh(field: str, value: str) -> str:
    if field == "step":
        return STEPS_ZH.get(value, value)
    return VALUES_ZH.get(value, value) if field in CODED else value


def table(rows: list[dict[str, str]], columns: list[tuple[str, str, str]], lang: str,
          step: str | None = None) -> list[list[str]]:  # fmt: skip
    header = [en if lang == "en" else cn for _, en, cn in columns]
    body = []
    for row in rows:
        values = {**row, **({"step": step} if step else {})}
        body.append([
            (values.get(f, "") if lang == "en" else zh(f, values.get(f, "")))
            for f, _, _ in columns
        ])  # fmt: skip
    return [header, *body]


def workbook(lang: str) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    names = {kind: pair[0 if lang == "en" else 1] for kind, pair in SHEETS.items()}
    for kind, rows, columns in (("accounts", ACCOUNTS, ACCOUNT_COLUMNS),
                                ("steps", STEPS, STEP_COLUMNS)):  # fmt: skip
        sheet = book.create_sheet(names[kind])
        for line in table(rows, columns, lang):
            sheet.append(line)
    book.save(HERE / f"team.{lang}.xlsx")


def gbk_csv() -> None:
    rows = [{**a, "step": "identify"} for a in ACCOUNTS] + STEPS
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table(rows, CSV_COLUMNS, "zh"))
    (HERE / "team.gbk.csv").write_bytes(out.getvalue().encode("gbk"))


if __name__ == "__main__":
    workbook("en")
    workbook("zh")
    gbk_csv()
