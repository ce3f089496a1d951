"""``scheduler run`` as a real process, SIGKILLed while it delivers to a webhook: nothing
is lost, and a webhook that honours the idempotency key takes each notice once."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Run, new_account, spawn, wait_for_line
from tests.notify.conftest import channel, configure, outbox
from tests.notify.servers import Hooks

pytestmark = pytest.mark.slow
ACCOUNTS = 8


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_scheduler_killed_while_delivering_loses_nothing_and_sends_nothing_twice(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    configure(tmp_path, channel("ops", "webhook", url=hooks.url()), retry_after="PT0S")
    for _ in range(ACCOUNTS):
        new_account(ws, "visited")  # every follow-up long overdue
    hooks.honour_keys, hooks.delay = True, 0.15  # a slow receiver: kills land mid-delivery
    args = ("-m", "cli", "scheduler", "run", "--poll", "0.5")
    for _ in range(3):  # killed after two more posts reached the receiver
        seen = len(hooks.received)

        def mid_delivery(seen: int = seen) -> bool:
            return len(hooks.received) >= seen + 2 or len(set(hooks.taken)) == ACCOUNTS

        scheduler = spawn(tmp_path, *args, without=("KAFLOW_USER",))
        try:
            wait_for(mid_delivery)
        finally:
            scheduler.send_signal(signal.SIGKILL)
            scheduler.wait()
    scheduler = spawn(tmp_path, *args, without=("KAFLOW_USER",))
    try:
        wait_for(lambda: len(set(hooks.taken)) == ACCOUNTS)
        time.sleep(1.5)  # and nothing more comes
        wait_for_line(scheduler, "scheduler running")
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=20) == 0
    finally:
        scheduler.kill()
    keys = [n["position"] for n in outbox(tmp_path)]
    assert len(keys) == ACCOUNTS == len(set(keys))  # the outbox: each notice once
    taken = hooks.taken
    assert len(taken) == len(set(taken)) == ACCOUNTS  # the webhook took each once
    assert sorted(int(k.rsplit(":", 1)[1]) for k in taken) == sorted(keys)
    sent = [r.headers["Idempotency-Key"] for r in hooks.received]
    assert len(sent) >= ACCOUNTS  # some sent again after a kill, with the same key
