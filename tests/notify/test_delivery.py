"""Delivery to channels: retries with a doubling wait, a channel that recovers, parking
after N failures, ``notify status``, ``notify test`` and ``notify retry``; a failing
channel holds up neither the others, nor the outbox, nor the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.cli.conftest import VISIT, Run, as_json, new_account
from tests.notify.conftest import AFTER, channel, configure, outbox
from tests.notify.servers import Hooks, free_port


def tick(ws: Run, now: str) -> dict[str, Any]:
    return as_json(ws("scheduler", "tick", "--now", now, "--json", user=None))  # type: ignore[no-any-return]


def later(moment: str, **span: float) -> str:
    """``moment`` (UTC, the workspace's zone) plus ``span``, as kaflow writes times."""
    return (datetime.fromisoformat(moment).replace(tzinfo=UTC) + timedelta(**span)).isoformat()


def status(ws: Run, name: str) -> dict[str, Any]:
    found = as_json(ws("notify", "status", "--json"))["channels"]
    return next(c for c in found if c["name"] == name)


def test_a_failing_channel_is_retried_with_a_doubling_wait_then_delivers_once(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    configure(
        tmp_path,
        channel("ops", "webhook", url=hooks.url()),
        channel("flaky", "webhook", url=hooks.url("/flaky")),
        channel("gone", "webhook", url=down),
        retry_after="PT1M",
    )
    new_account(ws, "visited")
    hooks.status = 500
    first = tick(ws, AFTER)
    # The scheduler went on: the miss recorded, the outbox written, each channel tried.
    assert len(first["overdue"]) == 1 and first["delivered"] == 1 and len(outbox(tmp_path)) == 1
    failed = {c["channel"]: c["failed"] for c in first["channels"]}
    assert failed["flaky"]["error"].startswith("HTTP 500")
    assert "cannot reach 127.0.0.1" in failed["gone"]["error"]
    assert failed["flaky"]["retry_at"] == later(AFTER, minutes=1)
    # Not yet due: the channel waits, and sends nothing.
    assert len(hooks.received) == 2
    waiting = tick(ws, later(AFTER, seconds=30))["channels"]
    assert {c["channel"]: c["waiting_until"] for c in waiting}["flaky"] == later(AFTER, minutes=1)
    assert len(hooks.received) == 2
    second = tick(ws, later(AFTER, minutes=1))  # fails again: waits twice as long
    again = {c["channel"]: c["failed"] for c in second["channels"]}["flaky"]
    assert again["failures"] == 2 and again["retry_at"] == later(AFTER, minutes=3)
    hooks.status = 200  # the server recovers
    third = tick(ws, later(AFTER, minutes=3))
    assert {c["channel"]: c["sent"] for c in third["channels"]} == {"ops": 1, "flaky": 1, "gone": 0}
    fourth = tick(ws, later(AFTER, hours=1))["channels"]
    assert [(c["channel"], c["sent"]) for c in fourth] == [("gone", 0)]  # still failing
    assert sorted(r.path for r in hooks.ok()) == ["/flaky", "/hook"]  # each took it once
    assert len({r.headers["Idempotency-Key"] for r in hooks.received}) == 1
    assert len(outbox(tmp_path)) == 1
    assert status(ws, "flaky") | {"last_sent_at": None} == status(ws, "flaky") | {
        "position": outbox(tmp_path)[0]["position"], "pending": 0, "failures": 0,
        "retry_at": None, "sent": 1, "parked": [], "last_sent_at": None,
    }  # fmt: skip


def test_after_n_failures_the_notice_is_parked_and_the_channel_goes_on(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    configure(tmp_path, channel("ops", "webhook", url=hooks.url()), park_after=3,
              retry_after="PT0S")  # fmt: skip
    first = new_account(ws, "visited")
    hooks.status = 500
    for minutes in range(3):
        done = tick(ws, later(AFTER, minutes=minutes))["channels"][0]
    assert done["parked"][0]["notice"] == f"overdue:{first}:1" and done["failed"] is None
    parked = status(ws, "ops")
    assert parked["pending"] == 0 and [p["failures"] for p in parked["parked"]] == [3]
    assert parked["parked"][0]["error"].startswith("HTTP 500")
    text = ws("notify", "status").stdout
    assert "1 parked" in text and "parked:" in text and "HTTP 500" in text
    # The next notice goes through once the server is back; the parked one stays parked.
    hooks.status = 200
    other = new_account(ws, "prepared")
    ws(*VISIT(other, at="2026-03-10"), user="mia")
    done = tick(ws, "2026-03-17T00:00:01")["channels"][0]
    assert done["sent"] == 1 and done["parked"] == []
    assert [r.body["notice"]["account"]["id"] for r in hooks.ok()] == [other]
    # Sent again by hand: it leaves the parked list.
    result = as_json(ws("notify", "retry", "ops", "--json", user="mia"))
    assert [s["notice"] for s in result["sent"]] == [f"overdue:{first}:1"]
    assert status(ws, "ops")["parked"] == []
    assert [r.body["notice"]["account"]["id"] for r in hooks.ok()] == [other, first]


def test_notify_test_says_whether_the_channel_took_the_message(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    configure(tmp_path, channel("ops", "webhook", url=hooks.url()))
    ok = ws("notify", "test", "ops", user="mia")
    assert ok.stdout.strip() == "sent: ops (webhook) took the test message for mia"
    [request] = hooks.received
    assert request.body["notice"]["kind"] == "test" and request.body["notice"]["to"] == ["mia"]
    assert ":test:" in request.headers["Idempotency-Key"]
    hooks.status = 500
    failed = as_json(ws("notify", "test", "ops", "--to", "sam", "--json", user="mia", code=2))
    assert failed["ok"] is False and failed["to"] == "sam"
    assert failed["error"].startswith("HTTP 500 Internal Server Error")
    assert (
        "NOT sent: ops (webhook): HTTP 500"
        in ws("notify", "test", "ops", user="mia", code=2).stdout
    )
    refused = ws("notify", "test", "ops", user="sam", code=1)
    assert "only a manager or above can manage notifications" in refused.stderr
    unknown = ws("notify", "test", "nope", user="mia", code=3)
    assert "no notification channel called 'nope' in kaflow.toml (known: ops)" in unknown.stderr
    # Test messages are not notices: no channel's position moved.
    assert status(ws, "ops")["sent"] == 0


def test_a_channel_only_takes_the_notices_routed_to_it(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace(
        'follow_up_within = "P7D"', 'follow_up_within = "P7D"\nremind_before = "P2D"'))  # fmt: skip
    configure(
        tmp_path,
        channel("misses", "webhook", url=hooks.url("/misses"), notices=["overdue"]),
        channel("all", "webhook", url=hooks.url("/all")),
    )
    new_account(ws, "visited")
    tick(ws, "2026-03-11T12:00")  # the reminder
    tick(ws, AFTER)  # the miss
    assert [r.body["notice"]["kind"] for r in hooks.to("/all")] == ["reminder", "overdue"]
    assert [r.body["notice"]["kind"] for r in hooks.to("/misses")] == ["overdue"]
    assert status(ws, "misses")["position"] == status(ws, "all")["position"]


def test_a_channel_added_later_starts_where_the_outbox_got_to(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    new_account(ws, "visited")
    tick(ws, AFTER)  # delivered to the outbox before the channel existed
    configure(tmp_path, channel("ops", "webhook", url=hooks.url()))
    before = as_json(ws("notify", "status", "--json"))
    assert before["channels"][0]["started"] is False and before["channels"][0]["pending"] == 0
    later_one = new_account(ws, "prepared")
    ws(*VISIT(later_one, at="2026-03-10"), user="mia")
    tick(ws, "2026-03-17T00:00:01")
    assert [r.body["notice"]["account"]["id"] for r in hooks.received] == [later_one]


def test_status_without_channels_shows_the_outbox(ws: Run, tmp_path: Path) -> None:
    new_account(ws, "visited")
    tick(ws, AFTER)
    found = as_json(ws("notify", "status", "--json"))
    assert found == {
        "outbox": {"file": "outbox.jsonl", "position": outbox(tmp_path)[0]["position"],
                   "pending": 0},
        "channels": [],
    }  # fmt: skip
    assert "no channels set up" in ws("notify", "status").stdout


def test_tick_text_says_what_each_channel_did_and_exits_0_when_one_fails(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    configure(
        tmp_path,
        channel("ops", "webhook", url=hooks.url()),
        channel("gone", "webhook", url=f"http://127.0.0.1:{free_port()}/"),
    )
    new_account(ws, "visited")
    text = ws("scheduler", "tick", "--now", AFTER, user=None).stdout  # exit 0
    assert "1 notice(s) delivered to outbox.jsonl" in text
    assert "channel ops: 1 sent\n" in text
    assert "channel gone: 0 sent; not delivered (1 failure(s)): cannot reach 127.0.0.1" in text
    assert "next try 2026-03-13 00:01" in text
    again = ws("scheduler", "tick", "--now", later(AFTER, seconds=10), user=None).stdout
    assert "channel gone: 0 sent; waiting to try again at 2026-03-13 00:01" in again
    assert "channel ops" not in again
