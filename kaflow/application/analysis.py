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
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError
from pydantic_core import core_schema as cs

from kaflow.application.commands import ProspectCommand
from kaflow.application.steps import STEPS, Step
from kaflow.application.validation import found

AMOUNT_DIGITS = 16  # before the point; two after it


def _amount(value: Decimal) -> Decimal:
    """At most ``AMOUNT_DIGITS`` digits before the point (1e400 is not an amount)."""
    _, digits, exponent = value.as_tuple()
    whole = len(digits) + int(exponent) if value else 0
    if whole > AMOUNT_DIGITS:
        raise PydanticCustomError(
            "amount_whole_digits",
            "expected an amount of at most {digits} digits before the point, found {found}",
            {"digits": AMOUNT_DIGITS, "found": found(value)},
        )
    return value


def _month(value: str) -> str:
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value) is None:
        raise PydanticCustomError(
            "month",
            "expected a month as YYYY-MM (such as 2026-10), found {found}",
            {"found": found(value)},
        )
    return value


Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
# Numbers: Decimal refuses true and false itself; whole numbers are strict (no true as 1).
Amount = Annotated[Decimal, Field(ge=0, decimal_places=2), AfterValidator(_amount)]
Ratio = Annotated[Decimal, Field(ge=-10, le=10, decimal_places=4)]
Share = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]
Days = Annotated[int, Field(ge=0, le=3650, strict=True)]
Month = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_month)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManagementRatios(Part):
    asset_liability_ratio: Annotated[Decimal, Field(ge=0, le=10, decimal_places=4)]  # debt/assets
    net_profit_margin: Ratio
    return_on_assets: Ratio
    payment_cycle_days: Days
    inventory_cycle_days: Days


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
    month: Month
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
    horizon_months: int = Field(ge=1, le=120, strict=True)
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


def _analyse(prospect: Any, cmd: AnalyseProspect, meta: dict[str, Any]) -> None:
    analysis = cmd.analysis
    prospect.analyse(analysis.model_dump(mode="json"), development_value(analysis.forecast), **meta)


STEPS[AnalyseProspect] = Step(_analyse)


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


TEMPLATE = Path(__file__).with_name("analysis_template.yaml")
