"""The import workbook: its columns in English and in the form's Chinese, read from xlsx
(a sheet of accounts and a sheet of dated steps) or from one CSV table (UTF-8 with or
without a BOM, or GBK), and written as a template with a filled example."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kaflow.errors import BadInputError

# (field, English header, Chinese header). An account is the row of step "identify".
ACCOUNT_COLUMNS = [
    ("account", "account", "客户编号"),  # the sheet's own reference for the account
    ("name", "name", "客户名称"),
    ("category", "category", "客户类别"),
    ("nature", "nature", "客户性质"),
    ("product_line", "product line", "产品线"),
    ("service", "service", "服务需求"),
    ("owner", "owner", "负责人"),
    ("at", "identified at", "识别日期"),
]
STEP_COLUMNS = [
    ("account", "account", "客户编号"),
    ("step", "step", "步骤"),
    ("at", "when", "日期"),
    ("method", "method", "开发方式"),
    ("chair", "chair", "主持人"),
    ("channel", "channel", "渠道"),
    ("person", "person", "接触对象"),
    ("attitude", "attitude", "客户态度"),
    ("participants", "participants", "参加人员"),
    ("notes", "notes", "进展备注"),
    ("customer_data", "customer data", "客户资料"),
    ("analysis", "analysis", "资料分析"),
    ("sales_materials", "sales materials", "销售资料"),
    ("lead", "lead", "带队"),
    ("place", "place", "地点"),
    ("manner", "manner", "拜访方式"),
    ("points", "points", "谈话要点"),
    ("views", "views", "客户意见"),
    ("next_steps", "next steps", "下一步"),
    ("feedback", "feedback", "客户反馈"),
    ("classification", "classification", "客户分级"),
    ("summary", "summary", "成功/失败总结"),
    ("reason", "reason", "原因"),
    ("remarks", "remarks", "审核意见"),
    ("analysis_file", "analysis file", "分析文件"),
]
SHEETS = {"accounts": ("accounts", "客户"), "steps": ("steps", "开发记录")}
# Every column a CSV table may have: the accounts' and the steps' together.
CSV_COLUMNS = [*STEP_COLUMNS[:3], *ACCOUNT_COLUMNS[1:7], *STEP_COLUMNS[3:]]
EXAMPLE_ACCOUNT = {
    "account": "A001",
    "name": "华东建材有限公司",
    "category": "potential",
    "nature": "distributor",
    "product_line": "adhesives",
    "service": "on-site support",
    "owner": "",
    "at": "2026-03-02",
}
EXAMPLE_STEPS = [
    {
        "account": "A001",
        "step": "analyse",
        "at": "2026-03-03",
        "analysis_file": "analysis.yaml",  # kaflow's analysis template, filled in
    },
    {
        "account": "A001",
        "step": "approach",
        "at": "2026-03-04",
        "method": "visit",
        "chair": "mia",
        "notes": "Visit first",
    },
    {
        "account": "A001",
        "step": "contact",
        "at": "2026-03-05",
        "channel": "phone",
        "person": "Wang",
        "attitude": "positive",
        "notes": "Keen to meet",
    },
]


@dataclass
class Row:
    """One row of the file, by field: where it is (``sheet!N``, N as the sheet numbers
    it), and a key that stays the same whenever the same row is imported again."""

    where: str
    values: dict[str, str]
    columns: list[str] = field(default_factory=list)  # the sheet's fields, column by column
    key: str = field(init=False)

    def __post_init__(self) -> None:
        content = json.dumps(sorted(self.values.items()), ensure_ascii=False)
        self.key = hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]

    def cell(self, name: str | None) -> str:
        """Where the column ``name`` of this row is, e.g. ``steps!F7``; the row's first
        cell if the sheet has no such column."""
        sheet, number = self.where.rsplit("!", 1)
        column = self.columns.index(name) if name in self.columns else 0
        return f"{sheet}!{_letters(column)}{number}"


def _letters(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def _fields(headers: list[Any], columns: list[tuple[str, str, str]], where: str) -> list[str]:
    """Each header's field (English or Chinese, any case); an unknown header is bad input."""
    known = {h.casefold(): f for f, en, zh in columns for h in (en, zh, f)}
    found = []
    for header in headers:
        text = str(header or "").strip().casefold()
        if not text:
            found.append("")
            continue
        if text not in known:
            raise BadInputError(f"{where}: unknown column '{header}'", field="file")
        found.append(known[text])
    return found


def _text(value: Any) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(
    table: Iterable[Sequence[Any]], columns: list[tuple[str, str, str]], sheet: str
) -> Iterator[Row]:
    """The sheet's rows, one at a time (its first row names the fields)."""
    lines = iter(table)
    first = next(lines, None)
    if first is None:
        return
    fields = _fields(list(first), columns, f"{sheet}!1")
    for number, cells in enumerate(lines, start=2):
        values = {f: _text(v) for f, v in zip(fields, cells, strict=False) if f and _text(v)}
        if values:
            yield Row(f"{sheet}!{number}", values, fields)


def read(path: Path) -> list[Row]:
    """Every row of an import file: accounts (step ``identify``) then dated steps."""
    return list(stream(path))


def stream(path: Path) -> Iterator[Row]:
    """Every row of an import file, one at a time, as the file is read: accounts (step
    ``identify``) then dated steps."""
    if not path.is_file():
        raise BadInputError(f"no file {path}", field="file")
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(path.read_bytes())
    raise BadInputError(f"{path.name}: give an .xlsx or .csv file", field="file")


def _read_xlsx(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # a damaged or foreign file: said in one line
        raise BadInputError(f"{path.name} is not a readable workbook ({e})", field="file") from None
    return _xlsx_rows(path, book)


def _xlsx_rows(path: Path, book: Any) -> Iterator[Row]:
    any_rows = False
    by_name = {name.casefold(): name for name in book.sheetnames}
    try:
        for kind, columns in (("accounts", ACCOUNT_COLUMNS), ("steps", STEP_COLUMNS)):
            names = SHEETS[kind]
            sheet = next((by_name[n.casefold()] for n in names if n.casefold() in by_name), None)
            if sheet is None:
                continue
            for row in _rows(book[sheet].iter_rows(values_only=True), columns, sheet):
                if kind == "accounts":
                    row.values["step"] = "identify"
                any_rows = True
                yield row
    finally:
        book.close()
    if not any_rows:
        wanted = " and ".join(f"'{en}' ('{zh}')" for en, zh in SHEETS.values())
        raise BadInputError(f"{path.name} has no sheet {wanted} with rows", field="file")


def _read_csv(data: bytes) -> Iterator[Row]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any bytes
        raise BadInputError("the CSV file is neither UTF-8 nor GBK", field="file")
    return _rows(csv.reader(io.StringIO(text)), CSV_COLUMNS, "csv")


def template(fmt: str, lang: str) -> bytes:
    """An import file with its headers in ``lang`` and a filled example."""
    pick = 2 if lang == "zh" else 1
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c[pick] for c in CSV_COLUMNS])
        first = {**EXAMPLE_ACCOUNT, "step": "identify"}
        for example in (first, *EXAMPLE_STEPS):
            writer.writerow([example.get(c[0], "") for c in CSV_COLUMNS])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    accounts = book.active
    assert accounts is not None
    accounts.title = SHEETS["accounts"][pick - 1]
    accounts.append([c[pick] for c in ACCOUNT_COLUMNS])
    accounts.append([EXAMPLE_ACCOUNT.get(c[0], "") for c in ACCOUNT_COLUMNS])
    steps = book.create_sheet(SHEETS["steps"][pick - 1])
    steps.append([c[pick] for c in STEP_COLUMNS])
    for example in EXAMPLE_STEPS:
        steps.append([example.get(c[0], "") for c in STEP_COLUMNS])
    for sheet in (accounts, steps):
        sheet.freeze_panes = "A2"
        for number, cell in enumerate(sheet[1]):
            cell.font = Font(bold=True)
            sheet.column_dimensions[_letters(number)].width = 16
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()
