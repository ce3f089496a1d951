"""Pydantic's validation errors as kaflow's bad input: each problem where the user can
find it (a field, or a place in the analysis file), in words rather than the library's."""

from __future__ import annotations

from typing import Any

from pydantic_core import ValidationError

from kaflow.errors import BadInputError, field

SHOWN_PROBLEMS = 5
SHOWN_CHARACTERS = 40  # of a value quoted back in a message


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


_SECTION = "expected a section of fields (name: value)"
_LIST = "expected a list"
_WHOLE = "expected a whole number"
_NUMBER = "expected a number"
_WHEN = "expected a date and time (ISO 8601, such as 2026-03-01T09:30+08:00)"
_DAY = "expected a date (ISO 8601, such as 2026-03-01)"
_ID = "expected an id (a UUID)"

# Where the library's message is replaced by plain words, whatever the value.
_EXPECTED = {
    "dict_type": _SECTION,
    "model_type": _SECTION,
    "model_attributes_type": _SECTION,
    "dataclass_type": _SECTION,
    "dataclass_exact_type": _SECTION,
    "mapping_type": _SECTION,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "frozen_set_type": _LIST,
    "iterable_type": _LIST,
    "string_type": "expected text",
    "string_sub_type": "expected text",
    "string_unicode": "expected text",
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "datetime_type": _WHEN,
    "datetime_parsing": _WHEN,
    "datetime_from_date_parsing": _WHEN,
    "datetime_object_invalid": _WHEN,
    "date_type": _DAY,
    "date_parsing": _DAY,
    "date_from_datetime_parsing": _DAY,
    "date_from_datetime_inexact": _DAY,
    "uuid_type": _ID,
    "uuid_parsing": _ID,
    "uuid_version": _ID,
}

# Where the words depend on the problem's context (``ctx``) or value (``input``).
_WORDS = {
    "string_too_short": "at least {min_length} characters (this has {length})",
    "string_too_long": "at most {max_length} characters (this has {length})",
    "string_pattern_mismatch": "not in the form expected here, found {found}",
    "too_short": "give at least {min_length} (this has {actual_length})",
    "too_long": "give at most {max_length} (this has {actual_length})",
    "greater_than": "must be more than {gt} (found {found})",
    "greater_than_equal": "must be at least {ge} (found {found})",
    "less_than": "must be less than {lt} (found {found})",
    "less_than_equal": "must be at most {le} (found {found})",
    "multiple_of": "must be a multiple of {multiple_of} (found {found})",
    "finite_number": "expected a finite number, found {found}",
    "int_parsing_size": "is too large a number (found {found})",
    "decimal_max_digits": "expected a number of at most {max_digits} digits, found {found}",
    "decimal_max_places": (
        "expected a number of at most {decimal_places} digits after the point, found {found}"
    ),
    "decimal_whole_digits": (
        "expected a number of at most {whole_digits} digits before the point, found {found}"
    ),
    "enum": "expected {expected}, found {found}",
    "literal_error": "expected {expected}, found {found}",
    "timezone_aware": "needs a time zone, such as +08:00 (found {found})",
    "timezone_naive": "must not have a time zone (found {found})",
    "datetime_future": "must be in the future (found {found})",
    "datetime_past": "must be in the past (found {found})",
    "date_future": "must be in the future (found {found})",
    "date_past": "must be in the past (found {found})",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "recursion_loop": "nests too deeply",
}


def _message(problem: Any) -> str:
    """Plain words for the library's problem; its own message only for the ones kaflow
    raises itself (their words are kaflow's) and for any this table does not know."""
    kind = problem["type"]
    context = problem.get("ctx") or {}
    value = problem.get("input")
    if kind in ("missing", "none_required") or (kind.endswith("_type") and value is None):
        return "missing"
    if kind == "extra_forbidden":
        return "not a field here"
    if kind == "too_short" and context.get("min_length") == 1:
        return "give at least one"
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    if kind in _EXPECTED:
        return f"{_EXPECTED[kind]}, found {found(value)}"
    if kind in _WORDS:
        length = len(value.strip()) if isinstance(value, str) else 0
        words = {str(k): v for k, v in context.items()}
        try:
            return _WORDS[kind].format(**{"found": found(value), "length": length, **words})
        except (KeyError, IndexError, ValueError):
            pass  # a context this version of the library does not give: its own words
    return str(problem["msg"])


def found(value: object) -> str:
    """What a value given in place of the expected one is, in words: a kind, or the
    value itself when it is short."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a section of fields"
    if isinstance(value, list | tuple | set | frozenset):
        return "a list"
    if isinstance(value, str):
        if not value.strip():
            return "empty text"
        text = value if len(value) <= SHOWN_CHARACTERS else value[:SHOWN_CHARACTERS] + "…"
        return repr(text)
    text = str(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"
