"""Dependencies point one way: cli -> kaflow -> kaflow.policies/projections -> aggregates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KAFLOW = Path(__file__).resolve().parents[2] / "kaflow"


def kaflow_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kaflow"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("kaflow")}
    return found


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("aggregates", ("kaflow.aggregates",)),
        ("policies", ("kaflow.aggregates", "kaflow.policies")),
        ("projections", ("kaflow.aggregates", "kaflow.projections")),
    ],
)
def test_lower_layers_import_nothing_above_them(package: str, allowed: tuple[str, ...]) -> None:
    for path in (KAFLOW / package).glob("*.py"):
        above = {m for m in kaflow_imports(path) if not m.startswith(allowed)}
        assert not above, f"{path.name} imports {above}"
