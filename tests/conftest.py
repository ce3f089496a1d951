from __future__ import annotations

from pathlib import Path

import pytest

from kaflow.application import Kaflow
from tests.builders import make_app, staff


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Kaflow:
    """The same cases on every store."""
    application = make_app(request.param, tmp_path)
    staff(application)
    return application
