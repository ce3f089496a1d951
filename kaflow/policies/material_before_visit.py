from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import step
from kaflow.policies import Violation, missing

RULE = "R8"
STATEMENT = "Prepare material before the visit: customer data, its analysis, sales material."


class Material(Protocol):
    @property
    def customer_data(self) -> str: ...

    @property
    def analysis(self) -> str: ...

    @property
    def sales_materials(self) -> str: ...


def check_material(cmd: Material, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    empty = missing(
        customer_data=cmd.customer_data, analysis=cmd.analysis, sales_materials=cmd.sales_materials
    )
    if empty:
        return Violation(RULE, f"the visit material needs {', '.join(empty)} (empty)")
    return None


def check_visit(cmd: object, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    # Prepared since the previous visit; before this one by the lifecycle's ordering.
    if prospect.material_at is None:
        return Violation(
            RULE, f"material must be prepared before each visit (run {step('prepare')})"
        )
    return None
