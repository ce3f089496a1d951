"""Answers that are files: the development record and the reports as CSV, Markdown or
xlsx, laid out by reporting's own documents (the same as the CLI writes)."""

from __future__ import annotations

import io
from typing import Any

from fastapi.responses import Response

from kaflow.errors import BadInputError

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = ("json", *MEDIA)


def checked_format(fmt: str) -> str:
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise BadInputError(f"no format {fmt!r} ({', '.join(FORMATS)})", field="format")
    return fmt


def checked_lang(lang: str) -> str:
    lang = lang.strip().lower()
    if lang not in ("en", "zh"):
        raise BadInputError("lang is en or zh", field="lang")
    return lang


def download(doc: Any, fmt: str, filename: str) -> Response:
    """``doc`` as a file to save."""
    from kaflow.reporting import export

    if fmt == "csv":  # with a byte-order mark: spreadsheet programs read it as UTF-8
        content: bytes = export.to_csv(doc).encode("utf-8-sig")
    elif fmt == "md":
        content = export.to_markdown(doc).encode()
    else:
        buffer = io.BytesIO()
        export.to_xlsx(doc, buffer)
        content = buffer.getvalue()
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    return Response(content, media_type=MEDIA[fmt], headers=headers)


def report_document(data: dict[str, Any], fmt: str) -> Any:
    """A report's sections as a document (a CSV: its first table only)."""
    from kaflow.reporting.export import Document, Section

    sections = [Section(s["title"], s["columns"], [list(r) for r in s["rows"]])
                for s in data["sections"]]  # fmt: skip
    moment = data["as_of"] + (f", as recorded by {data['recorded_by']}" if data["recorded_by"]
                              else "")  # fmt: skip
    title = f"{data['report']} (as of {moment})"
    if fmt == "csv":
        return Document(title, sections[:1], table=True, log=data.get("log"))
    return Document(title, sections, log=data.get("log"))
