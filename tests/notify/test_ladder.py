"""Escalation ladders through the CLI, on both stores: ``scheduler tick --now`` moves time.
Each rung is recorded once on its account (``FollowUpRungReached``), becomes one notice
for its people in the outbox and on the channels, and a follow-up stops the later ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Run, as_json, new_account, spawn
from tests.notify.conftest import channel, outbox
from tests.notify.servers import Hooks

# new_account visits on 2026-03-06 (midnight, UTC), led by mia (a manager) at sam's
# account: the follow-up is due 2026-03-13T00:00.
LADDER = """
[[notify.ladder]]
at = "-P2D"
to = ["lead", "owner"]

[[notify.ladder]]
at = "P1D"
to = ["manager"]

[[notify.ladder]]
at = "P3D"
to = ["director", "lead"]
"""


def with_ladder(folder: Path, *channels: str, ladder: str = LADDER) -> None:
    path = folder / "kaflow.toml"
    path.write_text(path.read_text() + ladder + "\n" + "\n".join(channels))


def tick(ws: Run, now: str) -> dict[str, Any]:
    found = ws("scheduler", "tick", "--now", now, "--allow-future", "--json", user=None)
    return as_json(found)  # type: ignore[no-any-return]


def rungs(report: dict[str, Any]) -> list[tuple[int, list[str]]]:
    return [(r["rung"], r["to"]) for r in report.get("rungs", [])]


def events(ws: Run, pid: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in as_json(ws("history", pid, "--json"))["events"] if e["type"] == kind]


@pytest.fixture
def staffed(ws: Run) -> Run:
    ws("user", "add", "dan", "--role", "director", "--since", "2026-01-01", user="olga")
    return ws


def test_the_rungs_fire_in_order_at_their_times_each_once_to_their_people(
    staffed: Run, tmp_path: Path
) -> None:
    ws = staffed
    with_ladder(tmp_path)
    pid = new_account(ws, "visited")
    assert rungs(tick(ws, "2026-03-10T23:59")) == []
    assert rungs(tick(ws, "2026-03-11T00:00")) == [(1, ["mia", "sam"])]  # two days before
    assert rungs(tick(ws, "2026-03-11T00:00")) == []  # once
    missed = tick(ws, "2026-03-13T00:00:01")
    assert len(missed["overdue"]) == 1 and rungs(missed) == []  # the miss, as before
    assert rungs(tick(ws, "2026-03-13T23:59")) == []
    assert rungs(tick(ws, "2026-03-14T00:00")) == [(2, ["dan"])]  # mia's manager: above her
    assert rungs(tick(ws, "2026-03-15T00:00")) == []
    assert rungs(tick(ws, "2026-03-16T00:00")) == [(3, ["dan", "mia"])]
    assert rungs(tick(ws, "2026-03-16T00:00")) == []
    assert rungs(tick(ws, "2026-04-30T00:00")) == []  # the ladder is done

    reached = events(ws, pid, "FollowUpRungReached")
    assert [(e["details"]["rung"], e["details"]["at"]) for e in reached] == [
        (1, "-P2D"), (2, "P1D"), (3, "P3D")
    ]  # fmt: skip
    assert [e["details"]["notified"] for e in reached] == [["mia", "sam"], ["dan"], ["dan", "mia"]]
    sent = outbox(tmp_path)
    assert [(n["kind"], n.get("rung")) for n in sent] == [
        ("ladder", 1), ("overdue", None), ("ladder", 2), ("ladder", 3)
    ]  # fmt: skip
    first, _, second, third = sent
    assert first["id"] == f"ladder:{pid}:1:1" and first["to"] == ["mia", "sam"]
    assert first["subject"].startswith("R11 reminder: follow-up of Acme due 2026-03-13 00:00")
    assert second["to"] == ["dan"] and second["subject"].startswith("R11 overdue 1 d")
    assert "rung 2 of the escalation ladder (P1D from the due time)" in second["text"]
    assert third["to"] == ["dan", "mia"] and third["rung_at"].startswith("2026-03-16T00:00")


def test_rungs_missed_while_no_scheduler_ran_fire_in_order_in_one_tick(
    staffed: Run, tmp_path: Path
) -> None:
    ws = staffed
    with_ladder(tmp_path)
    new_account(ws, "visited")
    report = tick(ws, "2026-03-20T00:00")  # the reminder rung passed with the due time
    assert len(report["overdue"]) == 1
    assert rungs(report) == [(2, ["dan"]), (3, ["dan", "mia"])]
    assert [(n["kind"], n.get("rung")) for n in outbox(tmp_path)] == [
        ("overdue", None), ("ladder", 2), ("ladder", 3)
    ]  # fmt: skip
    assert rungs(tick(ws, "2026-03-21T00:00")) == []


def test_a_follow_up_stops_the_later_rungs(staffed: Run, tmp_path: Path) -> None:
    ws = staffed
    with_ladder(tmp_path)
    in_time = new_account(ws, "visited")
    late = new_account(ws, "visited")
    assert [r["account"] for r in tick(ws, "2026-03-11T00:00")["rungs"]] == [
        p.replace("-", "") for p in sorted([in_time, late])
    ]
    ws("follow-up", in_time, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-12")
    tick(ws, "2026-03-13T00:00:01")  # late's miss
    assert rungs(tick(ws, "2026-03-14T00:00")) == [(2, ["dan"])]  # late's alone
    ws("follow-up", late, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-15")
    assert rungs(tick(ws, "2026-03-16T00:00")) == []
    assert rungs(tick(ws, "2026-04-01T00:00")) == []
    assert len(events(ws, in_time, "FollowUpRungReached")) == 1
    assert len(events(ws, late, "FollowUpRungReached")) == 2
    assert [n.get("rung") for n in outbox(tmp_path) if n["kind"] == "ladder"] == [1, 1, 2]


def test_rungs_reach_the_channels_that_take_them(
    staffed: Run, tmp_path: Path, hooks: Hooks
) -> None:
    ws = staffed
    with_ladder(
        tmp_path,
        channel("all", "webhook", url=hooks.url("/all")),  # default: every notice, rungs too
        channel("misses", "webhook", url=hooks.url("/misses"), notices=["overdue"]),
        channel("rungs", "webhook", url=hooks.url("/rungs"), notices=["ladder", "overdue"]),
    )
    ws("user", "edit", "dan", "--email", "dan@example.com", user="dan")
    new_account(ws, "visited")
    for now in ("2026-03-11T00:00", "2026-03-13T00:00:01", "2026-03-14T00:00", "2026-03-14T01:00"):
        tick(ws, now)
    kinds = [(r.body["notice"]["kind"], r.body["notice"].get("rung")) for r in hooks.to("/all")]
    assert kinds == [("ladder", 1), ("overdue", None), ("ladder", 2)]
    assert [r.body["notice"]["kind"] for r in hooks.to("/misses")] == ["overdue"]
    to_rungs = [r.body for r in hooks.to("/rungs")]
    assert [b["notice"]["to"] for b in to_rungs] == [["mia", "sam"], ["mia", "sam", "dan"], ["dan"]]
    assert to_rungs[2]["recipients"] == [{"name": "dan", "email": "dan@example.com"}]
    status = {c["name"]: c for c in as_json(ws("notify", "status", "--json"))["channels"]}
    assert status["all"]["notices"] == ["reminder", "overdue", "ladder"]
    assert status["rungs"]["notices"] == ["overdue", "ladder"]
    assert status["all"]["sent"] == 3 and status["rungs"]["sent"] == 3
    assert {c["pending"] for c in status.values()} == {0}


def test_without_a_ladder_nothing_changes(staffed: Run, tmp_path: Path) -> None:
    ws = staffed
    new_account(ws, "visited")
    report = tick(ws, "2026-03-16T00:00")
    assert "rungs" not in report and "digests" not in report
    assert [n["kind"] for n in outbox(tmp_path)] == ["overdue"]


@pytest.mark.parametrize(
    ("ladder", "said"),
    [
        ('[[notify.ladder]]\nat = "soon"\nto = ["lead"]\n',
         "[[notify.ladder]] 1: at: 'soon' is not an ISO 8601 duration"),
        ('[[notify.ladder]]\nat = "P1D"\nto = ["boss"]\n',
         "[[notify.ladder]] 1: to: 'boss' is not one (known: lead, owner, manager, director, "
         "above, process_owners)"),
        ('[[notify.ladder]]\nat = "P1D"\nto = []\n',
         "[[notify.ladder]] 1: to: name at least one of lead"),
        ('[[notify.ladder]]\nat = "P1D"\n', "[[notify.ladder]] 1: to: missing"),
        ('[[notify.ladder]]\nat = "P1D"\nto = ["lead"]\nwhen = "x"\n',
         "[[notify.ladder]] 1: unknown setting 'when' for a rung (known: at, to)"),
        ('[[notify.ladder]]\nat = "P2D"\nto = ["lead"]\n[[notify.ladder]]\nat = "P1D"\n'
         'to = ["manager"]\n',
         "[[notify.ladder]] 2: at: 'P1D' must come after rung 1's 'P2D'"),
        ('[[notify.ladder]]\nat = "P400D"\nto = ["lead"]\n',
         "[[notify.ladder]] 1: at: at most a year"),
        ('ladder = "P1D"\n', "[notify] ladder must be tables ([[notify.ladder]])"),
    ],
)  # fmt: skip
def test_a_bad_ladder_is_one_line_naming_the_rung_and_the_key(
    ws: Run, tmp_path: Path, ladder: str, said: str
) -> None:
    with_ladder(tmp_path, ladder=ladder)
    error = ws("deadlines", code=2).stderr
    assert said in error and error.count("\n") == 1 and "kaflow.toml" in error


def test_schedulers_running_at_once_record_each_rung_and_digest_once(
    staffed: Run, tmp_path: Path
) -> None:
    ws = staffed
    with_ladder(tmp_path, ladder='digest_at = "08:00"\n' + LADDER)
    pids = [new_account(ws, "visited") for _ in range(4)]
    for now in ("2026-03-11T08:00", "2026-03-14T08:00"):
        args = ("-m", "cli", "scheduler", "tick", "--now", now, "--allow-future")
        running = [spawn(tmp_path, *args, without=("KAFLOW_USER",)) for _ in range(3)]
        for process in running:
            out, err = process.communicate(timeout=120)
            assert process.returncode in (0, 4), (out, err)  # 4: busy, the rest next time
        tick(ws, now)  # whatever a busy account left
    for pid in pids:
        reached = events(ws, pid, "FollowUpRungReached")
        assert [e["details"]["rung"] for e in reached] == [1, 2]
    sent = outbox(tmp_path)
    assert len({n["position"] for n in sent}) == len(sent)  # each notice once
    assert sorted(n["id"] for n in sent if n["kind"] == "digest") == [
        "digest:dan:2026-03-14", "digest:mia:2026-03-11", "digest:mia:2026-03-14",
        "digest:sam:2026-03-11", "digest:sam:2026-03-14",
    ]  # fmt: skip
    assert len([n for n in sent if n["kind"] == "ladder"]) == 8
