"""Pydantic's validation errors as kaflow's bad input: each problem where the user can
find it (a field, or a place in the analysis file), in words rather than the library's."""

from __future__ import annotations

from typing import Any

from pydantic_core import ValidationError

from kaflow.errors import BadInputError, field

SHOWN_PROBLEMS = 5


def bad_input(error: ValidationError, as_field: str | None = None) -> BadInputError:
    problems = [
        _problem([as_field] if as_field else [str(p) for p in e["loc"]], _message(e))
        for e in error.errors()
    ]
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    first = [str(p) for p in error.errors()[0]["loc"]] if error.errors() else []
    return BadInputError(
        "bad input: " + shown + (f"; and {more} more" if more > 0 else ""),
        field=as_field or (first[0] if first else None),
    )


def _problem(loc: list[str], msg: str) -> str:
    if loc and loc[0] == "analysis":
        return f"analysis file: {'.'.join(loc[1:]) or '(top level)'}: {msg}"
    return f"{field(loc[0])}: {msg}" if loc else f"input: {msg}"


def _message(problem: Any) -> str:
    """The library's message, or plainer words for the ones that read as its internals."""
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind == "too_short" and context.get("min_length") == 1:
        return "give at least one"
    if kind in ("missing", "none_required") or (
        kind.endswith("_type") and problem["input"] is None
    ):
        return "missing"
    if kind == "extra_forbidden":
        return "not a field here"
    return str(problem["msg"])
