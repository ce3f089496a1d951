"""Many development records in one workbook, to print at month end: an index sheet, then
one sheet per account laid out as the form, with borders, wrapped text, print titles,
fitted to the page's width, columns as wide as their text (a Chinese character counts
twice), amounts, dates and times as numbers and dates a spreadsheet computes with."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import IO, Any

from kaflow.reporting.export import Document, Money, _cell

ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
WIDEST = 50  # characters; longer text wraps


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(v: Any) -> Any:
    """A cell's value: amounts and numbers as numbers, times as dates (naive, in the
    zone they were written in), text as text (never a formula)."""
    if isinstance(v, Money):
        return v.amount
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float):
        return v
    text = _cell(v)
    if ISO.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            return text
    return text


def _sheet(book: Any, title: str, doc: Document) -> Any:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from kaflow.reporting.money import spreadsheet_format

    sheet = book.create_sheet(title)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    span = max([len(s.columns) for s in doc.sections] + [2])
    sheet.append([doc.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    widths = [8] * span

    def put(values: list[Any], bold_first: bool = False, bold: bool = False) -> None:
        sheet.append([_value(v) for v in values])
        row = sheet.max_row
        for n, v in enumerate(values, start=1):
            cell = sheet.cell(row, n)
            cell.border, cell.alignment = border, wrap
            if bold or (bold_first and n == 1):
                cell.font = Font(bold=True)
            if isinstance(v, Money):
                cell.number_format = spreadsheet_format(v.currency)
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            widths[n - 1] = max(widths[n - 1], min(WIDEST, _width(_cell(v)) + 2))

    for s in doc.sections:
        sheet.append([])
        if s.title:
            sheet.append([s.title])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if s.pairs:
            for k, v in s.rows:
                put([k, v], bold_first=True)
        else:
            put(list(s.columns), bold=True)
            for r in s.rows:
                put(list(r))
    footer = doc.read_at()
    if footer is not None:  # printed with the record: checked against the log later
        sheet.append([])
        sheet.append([footer])
        sheet.cell(sheet.max_row, 1).font = Font(italic=True, size=8)
        sheet.oddFooter.center.text = footer
    for n, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = w
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return sheet


def records_workbook(
    records: list[tuple[str, Document]],
    index_title: str,
    index_columns: list[str],
    index_rows: list[list[Any]],
    path: str | IO[bytes],
) -> None:
    """An index sheet (one row per record, linked to its sheet), then the records, each
    on a sheet of its own named ``records[i][0]`` (made unique, at most 31 characters)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = Workbook()
    index: Any = book.active
    index.title = index_title[:31]
    index.append(index_columns)
    for cell in index[1]:
        cell.font = Font(bold=True)
    taken: set[str] = {index.title}
    for (name, doc), row in zip(records, index_rows, strict=True):
        title = _unique(name, taken)
        _sheet(book, title, doc)
        index.append([_value(v) for v in row])
        link = index.cell(index.max_row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{title}'!A1")
        link.font = Font(color="0563C1", underline="single")
    for n, column in enumerate(index.columns, start=1):
        cells = [_width(_cell(c.value)) for c in column]
        index.column_dimensions[index.cell(1, n).column_letter].width = min(WIDEST, max(cells) + 2)
    index.print_title_rows = "1:1"
    book.save(path)


def sheet_title(name: str) -> str:
    """A sheet's title from any text: without the characters a title may not hold."""
    return re.sub(r"[\[\]:*?/\\']", " ", name).strip()[:31] or "sheet"


def _unique(name: str, taken: set[str]) -> str:
    base = sheet_title(name)[:28]
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[:26]} {n}"
    taken.add(title)
    return title
