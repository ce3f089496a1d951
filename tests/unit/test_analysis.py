from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from kaflow.application.analysis import Analysis, development_value, load_analysis_file
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
