from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import PrepareMaterial, RecordVisit
from kaflow.policies import Violation, missing

RULE = "R8"
STATEMENT = "Prepare material before the visit: customer data, its analysis, sales material."


def check(
    cmd: RecordVisit | PrepareMaterial, prospect: Prospect, directory: UserDirectory
) -> Violation | None:
    if isinstance(cmd, PrepareMaterial):
        empty = missing(
            customer_data=cmd.customer_data,
            analysis=cmd.analysis,
            sales_materials=cmd.sales_materials,
        )
        if empty:
            return Violation(RULE, f"the visit material needs {', '.join(empty)} (empty)")
        return None
    assert cmd.occurred_at is not None
    prepared = prospect.material_at
    if prepared is None or prepared > cmd.occurred_at:
        return Violation(RULE, "material must be prepared before each visit (run 'kaflow prepare')")
    return None
