"""A data key is stored only with data sealed under it: the keys made for a step that
was not recorded (an import's dry run, a refused account) are forgotten, never written
with the next step the same thread records."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.bootstrap import Services
from kaflow.storage import keys
from kaflow.workspace import init_workspace
from tests.builders import ANALYSIS, advance, identify

GOLDEN = Path(__file__).parents[1] / "cli" / "golden" / "imports" / "team.en.xlsx"
OLGA = Actor("olga")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    settings = init_workspace(tmp_path, "olga", "sqlite:///kaflow.db", "UTC", since="2024-01-01")
    found = Services(settings)
    since = datetime(2024, 1, 1, tzinfo=UTC)
    for name, role in (("mia", c.Role.MANAGER), ("sam", c.Role.SALES)):
        found.app.add_user(OLGA, c.AddUser(name=name, role=role, effective_from=since))
    yield found
    found.close()


def stored_scopes(services: Services) -> set[str]:
    found = services.app.keyring.keys._run(f"SELECT account_id FROM {keys.TABLE}", (), True)
    return {str(row[0])[:32] for row in found}


def test_a_dry_run_leaves_no_key_for_the_next_step(services: Services, tmp_path: Path) -> None:
    assert services.app.keyring is not None
    shutil.copy(GOLDEN, tmp_path / GOLDEN.name)
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS, default=str))
    plan = services.importer(OLGA, tmp_path / GOLDEN.name).run(dry_run=True)
    assert plan["imported"] > 0  # the dry run sealed what it would import
    datastore = services.app.recorder.datastore  # type: ignore[attr-defined]
    assert keys.take_pending(datastore) == []
    pid = identify(services.app)
    advance(services.app, pid, "prepared")  # the customer's data sealed under a new key
    logged = {e.originator_id.hex for e in services.app.recorder.select_notifications(1, 10**6)}
    assert stored_scopes(services) <= logged | {pid.hex}
    assert pid.hex in stored_scopes(services)
