"""The outbox, the views' catch-up and the scheduler's planning, at their edges."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from kaflow.aggregates.prospect import Prospect
from kaflow.application.service import Kaflow
from kaflow.errors import WorkspaceError
from kaflow.projections.runner import Views
from kaflow.scheduling.daemon import DeadlineScheduler
from kaflow.scheduling.notify import Notice, Outbox
from tests.builders import SAM, advance, at, dump, identify, make_app, staff
from tests.unit.test_deadlines import DUE, SECOND


def notices(upto: int, size: int = 10) -> list[Notice]:
    return [{"position": n, "text": "x" * size} for n in range(1, upto + 1)]


def source(upto: int, size: int = 10) -> Any:
    every = notices(upto, size)
    return lambda after: [n for n in every if n["position"] > after][:3]


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_outbox_delivers_each_notice_once_in_order(tmp_path: Path) -> None:
    box = Outbox(str(tmp_path / "o.jsonl"))
    assert box.deliver(source(5)) == 5
    assert box.deliver(source(7)) == 2
    assert [n["position"] for n in lines(tmp_path / "o.jsonl")] == list(range(1, 8))


@pytest.mark.parametrize("size", [10, 5000])  # a last line shorter and longer than a block
def test_a_line_cut_short_by_a_crash_is_written_again_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "o.jsonl"
    Outbox(str(path)).deliver(source(3, size))
    whole = path.read_bytes()
    path.write_bytes(whole[: -(size // 2)])  # the third line cut in the middle
    assert Outbox(str(path)).deliver(source(3, size)) == 1
    assert path.read_bytes() == whole


def test_an_outbox_holding_only_a_partial_line_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_bytes(b'{"position": 1, "te')
    assert Outbox(str(path)).deliver(source(2)) == 2
    assert [n["position"] for n in lines(path)] == [1, 2]


def test_a_foreign_last_line_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_text("hello\n")
    with pytest.raises(WorkspaceError, match="not a notice kaflow wrote"):
        Outbox(str(path)).deliver(source(2))
    assert path.read_text() == "hello\n"


class Kept:
    def __init__(self) -> None:
        self.position = 0

    def get(self) -> int:
        return self.position

    def set(self, position: int) -> None:
        self.position = position

    def hold(self) -> AbstractContextManager[None]:
        return nullcontext()


def test_a_rotated_outbox_goes_on_where_delivery_got_to(tmp_path: Path) -> None:
    kept, path = Kept(), tmp_path / "o.jsonl"
    Outbox(str(path), kept).deliver(source(4))
    path.rename(tmp_path / "o.jsonl.1")
    assert Outbox(str(path), kept).deliver(source(6)) == 2
    assert [n["position"] for n in lines(path)] == [5, 6]


def _deliver(path: str) -> None:
    Outbox(path).deliver(source(200))


def test_two_processes_delivering_at_once_write_each_notice_once(tmp_path: Path) -> None:
    path = str(tmp_path / "o.jsonl")
    processes = [multiprocessing.Process(target=_deliver, args=(path,)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(30)
    assert [n["position"] for n in lines(Path(path))] == list(range(1, 201))


def test_a_view_rebuilt_while_another_process_catches_up_misses_nothing(
    durable: Callable[..., Kaflow],
) -> None:
    app = durable()
    staff(app)
    for name in ("A", "B", "C"):
        advance(app, identify(app, name), "visited")
    first, second = Views(app), Views(app)
    first.catch_up()
    real = app.recorder.select_notifications
    reset = []

    def select(*args: Any, **kwargs: Any) -> Any:
        page = real(*args, **kwargs)
        if not reset:  # the other process rebuilds the view between read and write
            reset.append(True)
            with first.writing() as cursor:
                first._reset(cursor, next(v for v in first.views if v.name == "deadlines"))
        return page

    advance(app, identify(app, "D"), "visited")  # something new for the second to read
    app.recorder.select_notifications = select  # type: ignore[method-assign]
    second.catch_up()
    app.recorder.select_notifications = real  # type: ignore[method-assign]
    rows = second.db.execute("SELECT count(*) FROM follow_up_deadlines").fetchone()[0]
    assert rows == 4
    caught_up = dump(second)
    second.rebuild()
    assert dump(second) == caught_up  # as a clean rebuild from zero


def test_an_account_snapshotted_before_deadlines_loads_without_one() -> None:
    app = make_app("memory")
    staff(app)
    pid = identify(app)
    state = {
        k: v
        for k, v in vars(app.get_prospect(pid)).items()
        if k not in ("deadline", "reviewed_at", "corrections")
    }
    old = object.__new__(Prospect)
    old.__dict__.update(state)
    assert (old.deadline, old.reviewed_at, old.corrections) == (None, None, 0)


def test_the_scheduler_plans_a_job_per_deadline_and_drops_settled_ones() -> None:
    from kaflow.application import commands as c

    app = make_app("memory")
    staff(app)
    pid: UUID = identify(app)
    advance(app, pid, "visited")
    views = Views(app)
    app.clock._now = DUE - SECOND  # type: ignore[attr-defined]
    runner = DeadlineScheduler(app, views, Outbox(":unused:"), 60, print, print)
    runner.scheduler.start(paused=True)
    try:
        runner.poll()
        assert list(runner.planned) == [f"{pid.hex}:1"]
        assert runner.scheduler.get_job(f"{pid.hex}:1") is not None
        app.handle(
            SAM,
            c.RecordFollowUp(
                prospect_id=pid,
                occurred_at=at(6),
                channel=c.FollowUpChannel.PHONE,
                feedback="ok",
            ),
        )
        runner.poll()
        assert runner.planned == {} and runner.scheduler.get_job(f"{pid.hex}:1") is None
    finally:
        runner.scheduler.shutdown(wait=False)


def test_an_outbox_kept_from_another_store_does_not_hold_this_ones_back(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    Outbox(str(path), store="old store").deliver(source(9))
    assert Outbox(str(path), store="new store").deliver(source(2)) == 2
    assert [n["store"] for n in lines(path)][-2:] == ["new store", "new store"]
