"""The latest analysis is found reading an account's events newest first, a batch at a
time, past any number of later steps; on every store."""

from __future__ import annotations

import pytest

from kaflow.application import commands as c
from kaflow.application import stored_analysis
from kaflow.application.service import Kaflow
from kaflow.errors import NotFoundError
from tests.builders import SAM, advance, at, identify


def test_the_latest_analysis_past_batches_of_later_steps(
    app: Kaflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored_analysis, "BATCH", 3)
    never = identify(app, "Never analysed")
    pid = identify(app)
    advance(app, pid, "contacted")
    for n in range(7):  # the analysis lies three batches back
        app.handle(
            SAM,
            c.RecordContact(prospect_id=pid, channel=c.ContactChannel.PHONE, person="Wang",
                            attitude=c.Attitude.POSITIVE, notes=f"call {n}", occurred_at=at(4)),
        )  # fmt: skip
    found = stored_analysis.latest(app, pid)
    assert found is not None and found.originator_version == 2
    assert list(app.events.get(pid))[1] == found
    assert stored_analysis.latest(app, never) is None
    with pytest.raises(NotFoundError):
        stored_analysis.latest(app, pid.__class__(int=1))
