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
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError
from pydantic_core import core_schema as cs

from kaflow.application.commands import ProspectCommand
from kaflow.application.steps import STEPS, Step
from kaflow.application.validation import found
from kaflow.errors import AnalysisFileError, step

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


MAX_FILE_BYTES = 1024 * 1024  # an analysis is a few kilobytes; anything near this is not one
MAX_DEPTH = 50  # the template nests four deep


def load_analysis_file(path: str | Path) -> dict[str, Any]:
    """Read an analysis from YAML or JSON (JSON is YAML), as plain data. Bounded: at most
    ``MAX_FILE_BYTES`` read, at most as much again once YAML aliases are expanded, at
    most ``MAX_DEPTH`` levels of nesting; anything else is one line of error."""
    import yaml

    name = "standard input" if str(path) == "-" else str(path)
    text = _read(path, name)
    try:
        data = yaml.load(text, Loader=_bounded_loader(name))
    except yaml.MarkedYAMLError as e:
        raise AnalysisFileError(f"{name} is not valid YAML or JSON: {_marked(e)}") from None
    except yaml.YAMLError as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise AnalysisFileError(f"{name} is not valid YAML or JSON: {first}") from None
    except (RecursionError, MemoryError):
        raise AnalysisFileError(f"{name} nests too deeply to be an analysis") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise AnalysisFileError(f"{name} holds a value that cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise AnalysisFileError(
            f"{name}: expected the analysis's sections (management: ..., "
            f"sales: ..., as {step('template_analysis')} prints them), found {_kind_of(data)}"
        )
    _check_expanded(data, name)
    return data


def _read(path: str | Path, name: str) -> str:
    """At most one byte more than the limit: enough to know the file is too large."""
    try:
        if str(path) == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw: bytes | str = (
                stream.read(MAX_FILE_BYTES + 1)
                if stream is not None
                else sys.stdin.read(MAX_FILE_BYTES + 1)
            )
        else:
            with open(path, "rb") as file:
                raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise AnalysisFileError(
                f"{name} is larger than {MAX_FILE_BYTES / 2**20:g} MiB: not an analysis"
            )
        return raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise AnalysisFileError(f"cannot read {name}: {reason[:1].lower()}{reason[1:]}") from None
    except UnicodeDecodeError as e:
        byte = e.object[e.start : e.start + 1]
        shown = f"a byte 0x{byte[0]:02x} at position {e.start}" if byte else e.reason
        raise AnalysisFileError(f"{name} is not UTF-8 text ({shown})") from None


def _marked(error: Any) -> str:
    """A YAML error as 'line L, column C: problem' (both counted from 1)."""
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "invalid"
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())


def _bounded_loader(name: str) -> Any:
    """A SafeLoader that refuses to compose more than ``MAX_DEPTH`` levels of nesting
    (PyYAML composes recursively: 100,000 levels would exhaust the stack)."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                    raise AnalysisFileError(
                        f"{name}: line {mark.line + 1}, column {mark.column + 1}: nested "
                        f"more than {MAX_DEPTH} levels deep; an analysis nests a few"
                    )
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            _refuse_duplicate_keys(self, node, name)
            return super().construct_mapping(node, deep)

    return Loader


def _refuse_duplicate_keys(loader: Any, node: Any, name: str) -> None:
    """A key given twice in one mapping would silently keep its last value: refused,
    naming the key and both lines. (Keys merged in with ``<<`` may be overridden.)"""
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:  # an unhashable key: the loader's own error names it
            continue
        if first is not key_node:
            mark = key_node.start_mark
            raise AnalysisFileError(
                f"{name}: line {mark.line + 1}, column {mark.column + 1}: {found(key)} is "
                f"given twice in one section (first on line {first.start_mark.line + 1})"
            )


def _check_expanded(data: Any, name: str) -> None:
    """Walk the data as stored (an alias counts each time it is used), without
    recursion: refuse it when it would be larger than the file limit or nest deeper
    than ``MAX_DEPTH``, long before it is expanded."""
    budget = MAX_FILE_BYTES
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise AnalysisFileError(
                f"{name} nests more than {MAX_DEPTH} levels deep (its aliases expanded)"
            )
        if isinstance(item, dict):
            budget -= 2 + 2 * len(item)
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple | set):
            budget -= 2 + len(item)
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str | bytes):
            budget -= 2 + len(item)
        else:  # a number, a date, a boolean, null
            budget -= 8
        if budget < 0:
            raise AnalysisFileError(
                f"{name} is larger than {MAX_FILE_BYTES / 2**20:g} MiB once its aliases are "
                "expanded: not an analysis"
            )


TEMPLATE = Path(__file__).with_name("analysis_template.yaml")


def _kind_of(data: object) -> str:
    """What a file held instead of a mapping, in words."""
    if data is None:
        return "an empty file"
    if isinstance(data, list):
        return "a list"
    return f"a single value ({str(data)[:40]!r})"
