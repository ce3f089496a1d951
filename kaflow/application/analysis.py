"""The key-account analysis (R2) and value proposition (R3), and its development value.

Development value (seed §2.6, "to establish the real development value"):

    net   = sales_profit - inventory_interest - personnel_cost - travel_cost
            - customer_management_cost - operating_cost
    value = net x (1 - risk_level)        rounded to 2 decimal places

``risk_level`` is the forecast's risk factor in [0, 1]: 0 means no risk, 1 means the
forecast is worthless. All amounts are in the workspace's currency over the forecast's
``horizon_months``.
"""

from __future__ import annotations

import dataclasses
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import core_schema as cs

from kaflow.application.commands import ProspectCommand
from kaflow.errors import AnalysisFileError

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Ratio = Annotated[Decimal, Field(ge=-10, le=10, max_digits=8, decimal_places=4)]
Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManagementRatios(Part):
    asset_liability_ratio: Ratio
    net_profit_margin: Ratio
    return_on_assets: Ratio
    payment_cycle_days: int = Field(ge=0, le=3650)
    inventory_cycle_days: int = Field(ge=0, le=3650)


class SalesInfo(Part):
    buyers: Note
    marketing: Note
    logistics: Note


class DecisionMaker(Part):
    name: Note
    position: Note
    personality: str = ""
    pressures: str = ""
    interests: str = ""


class PurchaseFactors(Part):
    purchase_cost: Note
    technology_content: Note
    policy_and_social: Note


class MonthlyTransaction(Part):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    item: Note
    sales: Amount
    purchases: Amount
    our_share: Share


class Competitor(Part):
    name: Note
    strengths: Note
    weaknesses: Note


class CompetitorAnalysis(Part):
    competitors: list[Competitor] = Field(min_length=1)
    our_strengths: Note
    our_weaknesses: Note
    risks: Note


class Forecast(Part):
    horizon_months: int = Field(ge=1, le=120)
    expected_sales: Amount
    sales_profit: Amount
    inventory_interest: Amount
    personnel_cost: Amount
    travel_cost: Amount
    customer_management_cost: Amount
    operating_cost: Amount
    risk_level: Share


class ValueProposition(Part):
    """R3: the six advantage dimensions."""

    total_purchase_cost: Note
    revenue: Note
    waste: Note
    efficiency: Note
    solution: Note
    intangible_value: Note


class Analysis(Part):
    management: ManagementRatios
    sales: SalesInfo
    decision_makers: list[DecisionMaker] = Field(min_length=1)
    purchase_factors: PurchaseFactors
    monthly_transactions: list[MonthlyTransaction] = Field(min_length=1)
    competition: CompetitorAnalysis
    forecast: Forecast
    value_proposition: ValueProposition


AnalysisField = Annotated[Analysis, cs.no_info_plain_validator_function(Analysis.model_validate)]


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class AnalyseProspect(ProspectCommand):
    trigger = "analyse"
    analysis: AnalysisField


def development_value(forecast: Forecast) -> Decimal:
    net = (
        forecast.sales_profit
        - forecast.inventory_interest
        - forecast.personnel_cost
        - forecast.travel_cost
        - forecast.customer_management_cost
        - forecast.operating_cost
    )
    return (net * (1 - forecast.risk_level)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def load_analysis_file(path: str | Path) -> dict[str, Any]:
    """Read an analysis from YAML or JSON (JSON is YAML), as plain data."""
    import yaml

    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AnalysisFileError(f"cannot read {path}: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise AnalysisFileError(f"{path} is not valid YAML or JSON: {e}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise AnalysisFileError(
            f"{path}: expected a mapping of sections, got {type(data).__name__}"
        )
    return data


TEMPLATE = Path(__file__).with_name("analysis_template.yaml")
