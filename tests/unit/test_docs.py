from __future__ import annotations

from pathlib import Path

from kaflow.aggregates.lifecycle import mermaid

ROOT = Path(__file__).resolve().parents[2]


def test_the_lifecycle_diagram_in_the_docs_is_the_table() -> None:
    text = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid()}\n```" in text


def test_the_readme_gives_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && kaflow demo" in text
    assert "pip install -e '.[test]' && pytest" in text
