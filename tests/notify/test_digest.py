"""The daily digest through the CLI, on both stores: made by ``scheduler tick`` at the first
tick at or after ``[notify] digest_at`` of the workspace's day, once per user per day,
and delivered to that user in the outbox and on the channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import VISIT, Run, as_json, new_account
from tests.notify.conftest import channel, configure, outbox
from tests.notify.servers import Hooks


def tick(ws: Run, now: str) -> dict[str, Any]:
    found = ws("scheduler", "tick", "--now", now, "--allow-future", "--json", user=None)
    return as_json(found)  # type: ignore[no-any-return]


def made(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {d["user"]: (d["due"], d["overdue"]) for d in report.get("digests", [])}


def digests(folder: Path) -> list[dict[str, Any]]:
    return [n for n in outbox(folder) if n["kind"] == "digest"]


@pytest.fixture
def staffed(ws: Run) -> Run:
    ws("user", "add", "dan", "--role", "director", "--since", "2026-01-01", user="olga")
    return ws


def test_each_user_gets_one_digest_a_day_at_digest_at(staffed: Run, tmp_path: Path) -> None:
    ws = staffed
    configure(tmp_path, digest_at="08:00")
    pid = new_account(ws, "visited")  # mia led the visit at sam's account: due 03-13
    assert made(tick(ws, "2026-03-09T07:59")) == {}
    # mia (the lead) and sam (the owner) have it due this week; dan and olga nothing.
    assert made(tick(ws, "2026-03-09T08:00")) == {"mia": (1, 0), "sam": (1, 0)}
    assert made(tick(ws, "2026-03-09T08:00")) == {}  # once a day
    assert made(tick(ws, "2026-03-09T23:59")) == {}
    assert made(tick(ws, "2026-03-10T09:30")) == {"mia": (1, 0), "sam": (1, 0)}  # the next day
    # Overdue: told to those the miss is escalated to (dan ranks above mia).
    report = tick(ws, "2026-03-14T08:00")
    assert len(report["overdue"]) == 1
    assert made(report) == {"mia": (0, 1), "sam": (0, 1), "dan": (0, 1)}
    assert made(tick(ws, "2026-03-14T12:00")) == {}

    found = digests(tmp_path)
    assert [(d["to"], d["day"]) for d in found] == [
        (["mia"], "2026-03-09"), (["sam"], "2026-03-09"),
        (["mia"], "2026-03-10"), (["sam"], "2026-03-10"),
        (["dan"], "2026-03-14"), (["mia"], "2026-03-14"), (["sam"], "2026-03-14"),
    ]  # fmt: skip
    first = found[0]
    assert first["id"] == "digest:mia:2026-03-09"
    assert first["subject"] == (
        "kaflow digest for mia, 2026-03-09: 1 follow-up(s) due this week, 0 overdue in your team"
    )
    [due] = first["due"]
    assert due["account"] == {"id": pid, "name": "Acme"} and due["lead"] == "mia"
    mine = "Your follow-ups due this week:\n- Acme: the visit 1 led by mia, due 2026-03-13 00:00"
    assert mine in first["text"]
    dan = found[4]
    assert dan["due"] == [] and dan["overdue"][0]["account"]["id"] == pid
    assert dan["text"].endswith(
        "Overdue in your team:\n- Acme: the visit 1 led by mia, due 2026-03-13 00:00+00:00, "
        "1 d 8 h overdue"
    )
    assert "Your follow-ups due this week" not in dan["text"]


def test_a_digest_counts_only_the_coming_week_and_open_deadlines(
    staffed: Run, tmp_path: Path
) -> None:
    ws = staffed
    configure(tmp_path, digest_at="08:00")
    done = new_account(ws, "followed_up")  # settled: in no digest
    later = new_account(ws, "prepared")
    ws(*VISIT(later, at="2026-03-20"), user="mia")  # due 03-27
    assert made(tick(ws, "2026-03-10T08:00")) == {}  # nothing due within the week
    assert made(tick(ws, "2026-03-19T08:00")) == {}  # due 03-27: more than a week ahead
    assert made(tick(ws, "2026-03-20T08:00")) == {"mia": (1, 0), "sam": (1, 0)}
    assert {d["due"][0]["account"]["id"] for d in digests(tmp_path)} == {later}
    assert done not in str(digests(tmp_path))


def test_digests_reach_each_user_on_the_channels(
    staffed: Run, tmp_path: Path, hooks: Hooks
) -> None:
    ws = staffed
    configure(
        tmp_path,
        channel("all", "webhook", url=hooks.url("/all")),  # default: every notice
        channel("misses", "webhook", url=hooks.url("/misses"), notices=["overdue"]),
        channel("daily", "webhook", url=hooks.url("/daily"), notices=["digest"]),
        digest_at="08:00",
    )
    ws("user", "edit", "mia", "--email", "mia@example.com", user="mia")
    new_account(ws, "visited")
    tick(ws, "2026-03-09T08:00")
    tick(ws, "2026-03-09T08:05")
    bodies = [r.body for r in hooks.to("/all")]
    assert [(b["notice"]["kind"], b["notice"]["to"]) for b in bodies] == [
        ("digest", ["mia"]), ("digest", ["sam"])
    ]  # fmt: skip
    assert bodies[0]["recipients"] == [{"name": "mia", "email": "mia@example.com"}]
    assert hooks.to("/misses") == []
    assert [r.body["notice"]["to"] for r in hooks.to("/daily")] == [["mia"], ["sam"]]
    status = {c["name"]: c for c in as_json(ws("notify", "status", "--json"))["channels"]}
    assert status["all"]["notices"] == ["reminder", "overdue", "digest"]
    assert status["daily"]["notices"] == ["digest"] and status["misses"]["notices"] == ["overdue"]
    assert status["all"]["sent"] == 2 and status["misses"]["pending"] == 0


def test_the_digest_time_is_the_workspaces(staffed: Run, tmp_path: Path) -> None:
    ws = staffed
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace('timezone = "UTC"', 'timezone = "Asia/Shanghai"'))
    configure(tmp_path, digest_at="08:00")
    new_account(ws, "visited")
    assert made(tick(ws, "2026-03-09T23:59+00:00")) == {}  # 07:59 there
    assert made(tick(ws, "2026-03-10T00:00+00:00")) == {"mia": (1, 0), "sam": (1, 0)}
    assert {d["day"] for d in digests(tmp_path)} == {"2026-03-10"}


@pytest.mark.parametrize("value", ['"8am"', '"25:00"', "8"])
def test_a_bad_digest_at_is_named(ws: Run, tmp_path: Path, value: str) -> None:
    path = tmp_path / "kaflow.toml"
    path.write_text(path.read_text() + f"digest_at = {value}\n")
    error = ws("deadlines", code=2).stderr
    assert "kaflow.toml: [notify] digest_at: expected a time of day as HH:MM" in error
