"""Dependencies point one way: front ends -> application -> policies / projections /
reporting -> aggregates; ``kaflow.errors`` is beneath them all. The core spells no CLI
flag or command in what it says: the front end renders fields and steps."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KAFLOW = ROOT / "kaflow"


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
        ("aggregates", ("kaflow.aggregates", "kaflow.errors")),
        ("policies", ("kaflow.aggregates", "kaflow.policies", "kaflow.errors")),
        # The views' database reads its driver's errors through the one translation.
        (
            "projections",
            ("kaflow.aggregates", "kaflow.projections", "kaflow.errors", "kaflow.storage.errors"),
        ),
    ],
)
def test_lower_layers_import_nothing_above_them(package: str, allowed: tuple[str, ...]) -> None:
    for path in (KAFLOW / package).glob("*.py"):
        above = {m for m in kaflow_imports(path) if not m.startswith(allowed)}
        assert not above, f"{path.name} imports {above}"


def test_errors_import_nothing_of_kaflow() -> None:
    assert kaflow_imports(KAFLOW / "errors.py") == set()


FRONT_END_MAY_IMPORT = (
    "kaflow.bootstrap",
    "kaflow.application",
    "kaflow.errors",
    "kaflow.reporting",
)


@pytest.mark.parametrize("front_end", ["cli", "web", "importer"])
def test_front_ends_import_only_the_application(front_end: str) -> None:
    for path in (ROOT / front_end).glob("**/*.py"):
        deep = {
            m
            for m in kaflow_imports(path)
            if m != "kaflow" and not m.startswith(FRONT_END_MAY_IMPORT)
        }
        assert not deep, f"{path.relative_to(ROOT)} imports {deep}"


@pytest.mark.parametrize(
    "module", ["service", "steps", "commands", "account_commands", "correction", "saving"]
)
def test_the_write_side_reads_no_view(module: str) -> None:
    imported = kaflow_imports(KAFLOW / "application" / f"{module}.py")
    assert not {m for m in imported if m.startswith(("kaflow.projections", "kaflow.reporting"))}


# A CLI option (--notes) or command line ('kaflow prepare') inside a string of the core.
CLI_SPELLING = re.compile(r"(?<![\w-])--[a-z][a-z-]+|'kaflow [a-z]")


def strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module, less its docstrings (they may show examples)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def test_the_core_spells_no_cli_flag_or_command() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in KAFLOW.glob("**/*.py")
        for line, text in strings(path)
        if CLI_SPELLING.search(text)
    ]
    assert not found, "\n".join(found)


def test_the_spelling_check_finds_a_flag(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('def f():\n    """--doc is fine"""\n    return "x (--notes is empty)"\n')
    assert [text for _, text in strings(sample) if CLI_SPELLING.search(text)] == [
        "x (--notes is empty)"
    ]


def view_sql() -> re.Pattern[str]:
    """SQL that reads or writes a view's table: each table named by the views themselves."""
    from kaflow.projections.runner import all_views

    tables = sorted({t for v in all_views() for t in (*v.tables, *v.sql_views)}, key=len)
    names = "|".join(re.escape(t) for t in reversed(tables))
    return re.compile(rf"\b(FROM|JOIN|INTO|UPDATE)\s+({names})\b", re.IGNORECASE)


# Projections own their queries: everyone else calls a projection's typed reads.
ABOVE_THE_VIEWS = ["kaflow/reporting", "kaflow/scheduling", "kaflow/application", "cli", "web"]


def test_nobody_above_the_projections_writes_sql_against_a_view() -> None:
    pattern = view_sql()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for folder in ABOVE_THE_VIEWS
        for path in (ROOT / folder).glob("**/*.py")
        for line, text in strings(path)
        if pattern.search(text)
    ]
    assert not found, "\n".join(found)


def test_the_sql_check_finds_a_query_against_a_view(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'def f(db):\n    """Read FROM accounts, in the docstring: fine."""\n'
        '    db.execute("SELECT d.* FROM follow_up_deadlines d "\n'
        '               "LEFT JOIN accounts a USING (account_id)")\n'
        '    db.execute(f"select * from ledger_entries_numbered where x = {1}")\n'
        '    db.execute("INSERT INTO kaflow_delivered VALUES (?, ?)")\n'
    )
    pattern = view_sql()
    assert [line for line, text in strings(sample) if pattern.search(text)] == [3, 5]
