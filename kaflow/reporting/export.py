"""Documents for people and spreadsheets: the ledger and the reports as sections of
label-value pairs and tables, written as text, Markdown, CSV or an xlsx sheet, with
English or Chinese labels (the Chinese ones are the form's own)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from kaflow.reporting.labels import LABELS, VALUES_ZH, label, value
from kaflow.reporting.text import width

__all__ = ["LABELS", "VALUES_ZH", "Document", "Money", "Section", "label", "value"]


@dataclass
class Section:
    title: str | None
    columns: list[str]
    rows: list[list[Any]]
    pairs: bool = False  # rows are (label, value) pairs, not a table


@dataclass
class Document:
    title: str
    sections: list[Section] = field(default_factory=list)
    empty: str = "(none)"  # what an empty table shows, in the document's language
    table: bool = False  # CSV: its one section as a rectangular table, nothing around it
    log: dict[str, Any] | None = None  # where in the log it was read: position, chain
    lang: str = "en"

    def read_at(self) -> str | None:
        """Where in the log it was read, for its footer: checked against the log later."""
        if not self.log or not self.log.get("position"):
            return None
        position, chain = self.log["position"], self.log["chain"]
        if self.lang == "zh":
            return f"读取于事件日志位置 {position}，哈希链 {chain}"
        return f"Read at log position {position}, hash chain {chain}"


@dataclass(frozen=True)
class Money:
    """An amount in a currency: for people (text) ``¥247,500.00``, in Markdown and CSV
    the plain number, in a spreadsheet a number cell formatted in the currency."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | str | None, currency: str) -> Money | None:
        return None if amount is None or amount == "" else cls(Decimal(str(amount)), currency)

    def __str__(self) -> str:
        return str(self.amount)

    def shown(self) -> str:
        from kaflow.reporting.money import money

        return money(self.amount, self.currency)


def _cell(v: Any) -> str:
    return "" if v is None else str(v)


def _shown(v: Any) -> str:
    """A cell for people: an amount with its currency."""
    return v.shown() if isinstance(v, Money) else _cell(v)


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for s in doc.sections:
        if s.title:
            out += [f"## {s.title}", ""]
        if s.pairs:
            out += [f"- **{k}**: {_md(_cell(v))}" for k, v in s.rows]
        elif s.rows:
            out.append("| " + " | ".join(s.columns) + " |")
            out.append("|" + "---|" * len(s.columns))
            out += ["| " + " | ".join(_md(_cell(v)) for v in r) + " |" for r in s.rows]
        else:
            out.append(doc.empty)
        out.append("")
    footer = doc.read_at()
    if footer is not None:
        out += ["---", "", f"_{footer}_", ""]
    return "\n".join(out)


def _md(text: str) -> str:
    """A cell on one line, its ``|`` escaped, and ``& < >`` as HTML entities: what
    someone typed never becomes HTML where the Markdown is rendered."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed amount, as text: no formula can hide in it
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _inert(v: Any) -> str:
    """A cell for a spreadsheet program: text it would run as a formula (or whose
    leading tab or carriage return hides one) is prefixed with ``'``, made plain text.
    A number stays a number, a negative one too, and so does text that is only one."""
    if isinstance(v, int | float | Decimal | Money) and not isinstance(v, bool):
        return str(v)
    text = _cell(v)
    if text.startswith(FORMULA_STARTS) and NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def to_csv(doc: Document) -> str:
    """Rows ending in a newline; a cell holding a line break (a carriage return too)
    quoted, so that a CSV reader reads back the cells written."""
    log = doc.log if doc.log and doc.log.get("position") else None
    if doc.table:
        (only,) = doc.sections
        columns, extra = list(only.columns), []
        if log is not None:  # on every row: the table stays rectangular
            columns += ["log_position", "log_chain"]
            extra = [log["position"], log["chain"]]
        table = [
            [_inert(c) for c in columns],
            *([_inert(v) for v in [*r, *extra]] for r in only.rows),
        ]
        return "".join(_csv_row(r) for r in table)
    rows: list[list[str]] = [[_inert(doc.title)]]
    for s in doc.sections:
        rows.append([])
        if s.title:
            rows.append([_inert(s.title)])
        if not s.pairs:
            rows.append([_inert(c) for c in s.columns])
        rows += [[_inert(v) for v in r] for r in s.rows]
    if log is not None:
        rows += [[], ["log_position", str(log["position"])], ["log_chain", log["chain"]]]
    return "".join(_csv_row(r) for r in rows)


def _csv_row(cells: list[str]) -> str:
    # The csv writer quotes a cell holding a character of its line terminator: with
    # "\r\n", both CR and LF (with "\n", a lone CR went unquoted and split the row).
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().removesuffix("\r\n") + "\n"


def to_text(doc: Document, table: Any) -> str:
    """For a terminal; ``table`` lays out columns (the CLI's, which knows CJK widths)."""
    out = [doc.title, "=" * width(doc.title)]  # as wide as the title: 大 takes two
    for s in doc.sections:
        out.append("")
        if s.title:
            out.append(s.title)
        if s.pairs:
            widest = max((width(k) for k, _ in s.rows), default=0)
            out += [f"{k}{' ' * (widest - width(k))}  {_shown(v)}" for k, v in s.rows]
        else:  # the table wraps long texts to the terminal's width
            out.append(table(s.columns, [[_shown(v) for v in r] for r in s.rows], doc.empty))
    return "\n".join(out)


def to_xlsx(doc: Document, path: str | IO[bytes]) -> None:
    """One sheet laid out as the form: the title across the top, label-value rows,
    the tables with bold headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet: Any = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", doc.title).strip()[:31] or "sheet"
    width = max([len(s.columns) for s in doc.sections] + [2])
    sheet.append([doc.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    for s in doc.sections:
        sheet.append([])
        if s.title:
            sheet.append([s.title])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if s.pairs:
            for k, v in s.rows:
                sheet.append([k, _xlsx(v)])
                sheet.cell(sheet.max_row, 1).font = Font(bold=True)
                _money_format(sheet, [k, v])
                if width > 2:
                    row = sheet.max_row
                    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=width)
        else:
            sheet.append(s.columns)
            for n in range(1, len(s.columns) + 1):
                sheet.cell(sheet.max_row, n).font = Font(bold=True)
            for r in s.rows:
                sheet.append([_xlsx(v) for v in r])
                _money_format(sheet, r)
    footer = doc.read_at()
    if footer is not None:
        sheet.append([])
        sheet.append([footer])
        sheet.cell(sheet.max_row, 1).font = Font(italic=True, size=8)
    for row in sheet.iter_rows():  # what people wrote is text, never a formula to run
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    for n, letter in enumerate("ABCDEFGHIJKLMNOP"[:width], start=1):
        cells = [len(str(c.value or "")) for c in sheet[letter] if c.row > 1]
        sheet.column_dimensions[letter].width = min(60, max([10, *cells]) + 2) if n else 10
    book.save(path)


def _xlsx(v: Any) -> Any:
    if isinstance(v, Money):
        return v.amount
    return v if isinstance(v, int | float) else _cell(v)


def _money_format(sheet: Any, values: list[Any]) -> None:
    """The amounts of the row just appended: numbers shown in their currency."""
    from kaflow.reporting.money import spreadsheet_format

    for n, v in enumerate(values, start=1):
        if isinstance(v, Money):
            sheet.cell(sheet.max_row, n).number_format = spreadsheet_format(v.currency)
