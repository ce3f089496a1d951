from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from kaflow.application.analysis import Analysis, development_value
from kaflow.application.analysis_file import load_analysis_file
from kaflow.errors import AnalysisFileError
from tests.builders import ANALYSIS


def test_the_printed_template_validates_exactly_as_printed() -> None:
    analysis = Analysis.model_validate(ANALYSIS)
    assert development_value(analysis.forecast) == Decimal("140000.00")


def test_development_value_is_net_contribution_discounted_by_risk() -> None:
    data = copy.deepcopy(ANALYSIS)
    data["forecast"].update(
        sales_profit=100,
        inventory_interest=10,
        personnel_cost=20,
        travel_cost=5,
        customer_management_cost=5,
        operating_cost=10,
        risk_level="0.5",
    )
    assert development_value(Analysis.model_validate(data).forecast) == Decimal("25.00")


def test_a_loss_making_account_has_a_negative_value() -> None:
    data = copy.deepcopy(ANALYSIS)
    data["forecast"].update(sales_profit=0, risk_level=0)
    assert development_value(Analysis.model_validate(data).forecast) < 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("value_proposition", "waste"), ""),
        (("forecast", "risk_level"), 1.5),
        (("management", "payment_cycle_days"), -1),
        (("monthly_transactions",), []),
        (("decision_makers",), []),
        (("monthly_transactions", 0, "month"), "2026-13"),
    ],
)
def test_invalid_analyses_are_refused(path: tuple[object, ...], value: object) -> None:
    data = copy.deepcopy(ANALYSIS)
    target = data
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    with pytest.raises(ValidationError):
        Analysis.model_validate(data)


def test_unknown_fields_are_refused_so_typos_are_caught() -> None:
    data = copy.deepcopy(ANALYSIS)
    data["forecast"]["risk_levle"] = 0.1
    with pytest.raises(ValidationError, match="risk_levle"):
        Analysis.model_validate(data)


def test_json_files_are_accepted(tmp_path: Path) -> None:
    import json

    path = tmp_path / "a.json"
    path.write_text(json.dumps(ANALYSIS, default=str))
    Analysis.model_validate(load_analysis_file(path))


@pytest.mark.parametrize("content", ["- just\n- a list\n", "key: [unclosed\n", None])
def test_unreadable_files_give_one_line(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "a.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AnalysisFileError) as caught:
        load_analysis_file(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("management", "payment_cycle_days"), True),  # not 1
        (("forecast", "horizon_months"), False),
        (("forecast", "risk_level"), True),
        (("forecast", "sales_profit"), True),
        (("management", "asset_liability_ratio"), -0.01),  # liabilities over assets
        (("forecast", "sales_profit"), "1e400"),
        (("forecast", "sales_profit"), "12345678901234567"),  # 17 digits before the point
        (("forecast", "travel_cost"), "1.005"),
    ],
)
def test_numbers_are_numbers_within_their_bounds(path: tuple[str, str], value: object) -> None:
    data = copy.deepcopy(ANALYSIS)
    data[path[0]][path[1]] = value
    with pytest.raises(ValidationError):
        Analysis.model_validate(data)


def test_an_amount_may_have_sixteen_digits_before_the_point() -> None:
    data = copy.deepcopy(ANALYSIS)
    data["forecast"]["expected_sales"] = "1234567890123456.78"
    data["management"]["net_profit_margin"] = -0.25  # a loss
    analysis = Analysis.model_validate(data)
    assert analysis.forecast.expected_sales == Decimal("1234567890123456.78")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", "a.yaml: line 3, column 1: 'a' is given twice in one section "
         "(first on line 1)"),
        ('{"s": {"x": 1,\n  "x": 1}}', "a.yaml: line 2, column 3: 'x' is given twice"),
        ("1: a\n'1': b\n", None),  # the number 1 and the text '1' are different keys
        ("b: &b {x: 1}\nc: {<<: *b, x: 2}\n", None),  # a merged key may be overridden
    ],
)  # fmt: skip
def test_keys_given_twice_are_refused(tmp_path: Path, content: str, message: str | None) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(content)
    if message is None:
        load_analysis_file(path)
        return
    with pytest.raises(AnalysisFileError) as caught:
        load_analysis_file(path)
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_unreadable_bytes_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"sales: \xe5\xae")  # a character cut short
    with pytest.raises(AnalysisFileError) as caught:
        load_analysis_file(path)
    assert str(caught.value) == f"{path} is not UTF-8 text (a byte 0xe5 at position 7)"
