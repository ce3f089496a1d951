"""Bad input is told in plain words: what was expected and what was found, where the
user can find it, never the validation library's or Python's own messages."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from kaflow.application.validation import bad_input
from kaflow.errors import BadInputError
from tests.builders import ANALYSIS
from tests.cli.conftest import Run, new_account

# What the libraries say, which users must not read.
LIBRARY_WORDS = (
    "Input should",
    "String should",
    "Decimal input",
    "Value should",
    "List should",
    "should have",
    "Field required",
    "Extra inputs",
    "instance of",
    "pattern",
    "Errno",
    "codec",
    "(at end of document)",
    "(at line",
)


def plain(stderr: str) -> str:
    """One line, none of the libraries' words."""
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    for words in LIBRARY_WORDS:
        assert words not in stderr, stderr
    return stderr.strip()


# -- commands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "bad input: NAME: must not be empty"),
        ("   ", "bad input: NAME: must not be empty"),
        ("a" * 101, "bad input: NAME: at most 100 characters (this has 101)"),
    ],
)
def test_user_names_of_the_wrong_length(ws: Run, name: str, message: str) -> None:
    result = ws("user", "add", name, "--role", "sales", user="olga", code=2)
    assert plain(result.stderr) == message


def test_a_note_that_is_too_long(ws: Run) -> None:
    pid = new_account(ws, "analysed")
    args = ["approach", pid, "--method", "visit", "--chair", "mia", "--notes", "n" * 20_001]
    result = ws(*args, code=2)
    assert plain(result.stderr) == "bad input: --notes: at most 20000 characters (this has 20001)"


# -- the analysis file --------------------------------------------------------------------


def _changed(*changes: tuple[tuple[Any, ...], Any]) -> dict[str, Any]:
    data = copy.deepcopy(ANALYSIS)
    for path, value in changes:
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is _DROP:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return data


_DROP = object()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            [(("management",), 1)],
            "management: expected a section of fields (name: value), found 1",
        ),
        (
            [(("sales",), ["a", "b"])],
            "sales: expected a section of fields (name: value), found a list",
        ),
        (
            [(("decision_makers",), {"name": "Wang"})],
            "decision_makers: expected a list, found a section of fields",
        ),
        (
            [(("monthly_transactions", 0, "month"), "2026-13")],
            "monthly_transactions.0.month: expected a month as YYYY-MM (such as 2026-10), "
            "found '2026-13'",
        ),
        (
            [(("management", "payment_cycle_days"), True)],
            "management.payment_cycle_days: expected a whole number, found true",
        ),
        (
            [(("forecast", "horizon_months"), 12.5)],
            "forecast.horizon_months: expected a whole number, found 12.5",
        ),
        (
            [(("forecast", "risk_level"), False)],
            "forecast.risk_level: expected a number, found false",
        ),
        (
            [(("forecast", "travel_cost"), "a lot")],
            "forecast.travel_cost: expected a number, found 'a lot'",
        ),
        (
            [(("forecast", "travel_cost"), "12.345")],
            "forecast.travel_cost: expected a number of at most 2 digits after the point, "
            "found '12.345'",
        ),
        (
            [(("forecast", "travel_cost"), "NaN")],
            "forecast.travel_cost: expected a finite number, found 'NaN'",
        ),
        (
            [(("management", "asset_liability_ratio"), -0.5)],
            "management.asset_liability_ratio: must be at least 0 (found -0.5)",
        ),
        (
            [(("management", "net_profit_margin"), 11)],
            "management.net_profit_margin: must be at most 10 (found 11)",
        ),
        (
            [(("forecast", "risk_level"), 1.5)],
            "forecast.risk_level: must be at most 1 (found 1.5)",
        ),
        (
            [(("forecast", "horizon_months"), 0)],
            "forecast.horizon_months: must be at least 1 (found 0)",
        ),
        (
            [(("sales", "buyers"), 5)],
            "sales.buyers: expected text, found 5",
        ),
        (
            [(("sales", "buyers"), "  ")],
            "sales.buyers: must not be empty",
        ),
        (
            [(("sales", "buyers"), "b" * 20_001)],
            "sales.buyers: at most 20000 characters (this has 20001)",
        ),
        (
            [(("competition", "competitors"), [])],
            "competition.competitors: give at least one",
        ),
        (
            [(("forecast", "risk_levle"), 0.1)],
            "forecast.risk_levle: not a field here",
        ),
        (
            [(("value_proposition", "waste"), _DROP)],
            "value_proposition.waste: missing",
        ),
    ],
)
def test_analysis_problems_in_plain_words(
    ws: Run, tmp_path: Path, changes: list[tuple[tuple[Any, ...], Any]], message: str
) -> None:
    pid = new_account(ws)
    (tmp_path / "bad.json").write_text(json.dumps(_changed(*changes), default=str))
    result = ws("analyse", pid, "--file", "bad.json", code=2)
    assert plain(result.stderr) == "bad input: analysis file: " + message


def test_an_amount_too_large_says_how_many_digits(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    template = ws("template", "analysis", user=None).stdout
    assert "  sales_profit: 300000\n" in template
    (tmp_path / "big.yaml").write_text(
        template.replace("sales_profit: 300000", "sales_profit: 1e400")
    )
    result = ws("analyse", pid, "--file", "big.yaml", code=2)
    assert plain(result.stderr) == (
        "bad input: analysis file: forecast.sales_profit: expected an amount of at most 16 "
        "digits before the point, found 1E+400"
    )


def test_keys_given_twice_are_refused_with_their_lines(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    template = ws("template", "analysis", user=None).stdout
    twice = template.replace("  travel_cost: 15000\n", "  travel_cost: 15000\n  sales_profit: 1\n")
    (tmp_path / "twice.yaml").write_text(twice)
    first = twice.splitlines().index("  sales_profit: 300000") + 1
    result = ws("analyse", pid, "--file", "twice.yaml", code=2)
    assert plain(result.stderr) == (
        f"twice.yaml: line {first + 4}, column 3: 'sales_profit' is given twice in one "
        f"section (first on line {first})"
    )
    (tmp_path / "twice.json").write_text('{"management": {},\n "management": {}}')
    result = ws("analyse", pid, "--file", "twice.json", code=2)
    assert plain(result.stderr) == (
        "twice.json: line 2, column 2: 'management' is given twice in one section (first on line 1)"
    )
    # Nothing was recorded: the account is still waiting for its analysis.
    assert json.loads(ws("prospect", "show", pid, "--json").stdout)["state"] == "identified"


def test_yaml_merge_keys_may_still_be_overridden(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    text = json.dumps(ANALYSIS, default=str)
    data = json.loads(text)
    sales = data.pop("sales")
    merged = (
        "defaults: &sales " + json.dumps(sales) + "\n"
        + "\n".join(f"{key}: {json.dumps(value)}" for key, value in data.items())
        + '\nsales: {<<: *sales, buyers: "Wholesalers"}\n'
    )  # fmt: skip
    (tmp_path / "merged.yaml").write_text(merged)
    result = ws("analyse", pid, "--file", "merged.yaml", code=2)
    # The merge is accepted; only the section kaflow does not know is refused.
    assert plain(result.stderr) == "bad input: analysis file: defaults: not a field here"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nonexistent", "cannot read /nonexistent: no such file or directory"),
        (".", "cannot read .: is a directory"),
    ],
)
def test_files_that_cannot_be_read(ws: Run, path: str, message: str) -> None:
    pid = new_account(ws)
    assert plain(ws("analyse", pid, "--file", path, code=2).stderr) == message


def test_a_file_that_is_not_utf8(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    (tmp_path / "latin.yaml").write_bytes(b"\xffmanagement: 1\n")
    result = ws("analyse", pid, "--file", "latin.yaml", code=2)
    assert plain(result.stderr) == "latin.yaml is not UTF-8 text (a byte 0xff at position 0)"
    (tmp_path / "gbk.yaml").write_bytes("sales: 客户".encode("gbk"))
    result = ws("analyse", pid, "--file", "gbk.yaml", code=2)
    assert plain(result.stderr) == "gbk.yaml is not UTF-8 text (a byte 0xbf at position 7)"


# -- kaflow.toml --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appended", "where"),
    [
        ("lock_timeout =\n", "line {n}, column 15: invalid value"),
        ("lock_timeout =", "line {n}, column 15: invalid value at the end of the file"),
        ("[notify]\n", "line {n}, column 8: cannot declare 'notify' twice"),
    ],
)
def test_a_config_that_is_not_toml(ws: Run, tmp_path: Path, appended: str, where: str) -> None:
    config = tmp_path / "kaflow.toml"
    line = config.read_text().count("\n") + 1  # the first line appended
    config.write_text(config.read_text() + appended)
    result = ws("prospect", "list", code=2)
    assert plain(result.stderr) == f"{config} is not valid TOML: {where.format(n=line)}"


# -- every kind of problem the validation library reports, without a store ----------------

_SCHEMAS: list[tuple[cs.CoreSchema, object, str]] = [
    (cs.int_schema(), "x", "expected a whole number, found 'x'"),
    (cs.int_schema(), 1.5, "expected a whole number, found 1.5"),
    (cs.int_schema(strict=True), True, "expected a whole number, found true"),
    (cs.int_schema(), "9" * 5000, "too large a number"),
    (cs.int_schema(gt=0), 0, "must be more than 0 (found 0)"),
    (cs.int_schema(lt=5), 5, "must be less than 5 (found 5)"),
    (cs.int_schema(multiple_of=5), 7, "must be a multiple of 5 (found 7)"),
    (cs.float_schema(), "x", "expected a number, found 'x'"),
    (cs.decimal_schema(), [], "expected a number, found a list"),
    (cs.decimal_schema(max_digits=3), "1234", "expected a number of at most 3 digits"),
    (cs.decimal_schema(max_digits=4, decimal_places=2), "123", "at most 2 digits before"),
    (cs.bool_schema(), "perhaps", "expected true or false, found 'perhaps'"),
    (cs.str_schema(), 5, "expected text, found 5"),
    (cs.str_schema(min_length=3), "ab", "at least 3 characters (this has 2)"),
    (cs.str_schema(pattern="^a$"), "b", "not in the form expected here, found 'b'"),
    (cs.list_schema(cs.int_schema()), "x", "expected a list, found 'x'"),
    (cs.list_schema(cs.int_schema(), min_length=2), [1], "give at least 2 (this has 1)"),
    (cs.list_schema(cs.int_schema(), max_length=1), [1, 2], "give at most 1 (this has 2)"),
    (cs.dict_schema(), 1, "expected a section of fields (name: value), found 1"),
    (cs.literal_schema(["a", "b"]), "c", "expected 'a' or 'b', found 'c'"),
    (cs.datetime_schema(), "soon", "expected a date and time (ISO 8601"),
    (cs.datetime_schema(tz_constraint="aware"), "2026-03-01T10:00", "needs a time zone"),
    (cs.date_schema(), "soon", "expected a date (ISO 8601"),
    (cs.uuid_schema(), "x", "expected an id (a UUID), found 'x'"),
]


@pytest.mark.parametrize(("schema", "value", "words"), _SCHEMAS)
def test_each_kind_of_problem_in_plain_words(
    schema: cs.CoreSchema, value: object, words: str
) -> None:
    fields = {"x": cs.typed_dict_field(schema)}
    validator = SchemaValidator(cs.typed_dict_schema(fields, extra_behavior="forbid"))
    with pytest.raises(ValidationError) as caught:
        validator.validate_python({"x": value})
    message = bad_input(caught.value).render()
    assert message.startswith("bad input: x: ") and words in message, message
    plain(message + "\n")


def test_enums_are_named_by_their_values() -> None:
    from kaflow.application.commands import RecordFollowUp

    with pytest.raises(BadInputError) as caught:
        RecordFollowUp.validate(
            {"prospect_id": "0" * 32, "channel": "fax", "feedback": "f", "surplus": 1}
        )
    message = str(caught.value)
    assert "channel: expected 'phone' or 'visit', found 'fax'" in message
    assert "surplus: not a field here" in message
    plain(message + "\n")
