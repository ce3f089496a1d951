"""People who come and go: users who leave hand their accounts over, role timelines, and
a team's past backfilled; each through the CLI, on both stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.builders import ANALYSIS
from tests.cli.conftest import VISIT, Run, as_json, new_account


def add(run: Run, name: str, user: str = "sam", at: str = "2026-03-01") -> str:
    args = ["prospect", "add", name, "--category", "potential", "--nature", "distributor"]
    return str(run(*args, "--at", at, user=user).stdout.strip())


def owner_of(run: Run, pid: str) -> str:
    return str(as_json(run("prospect", "show", pid, "--json", user="olga"))["owner"])


def users(run: Run) -> dict[str, dict[str, Any]]:
    return {u["name"]: u for u in as_json(run("user", "list", "--json", user="olga"))}


# -- users who leave -------------------------------------------------------------------


def test_a_user_who_leaves_hands_their_open_accounts_over(ws: Run) -> None:
    open_one, other = add(ws, "Acme"), add(ws, "Bolt")
    theirs = add(ws, "Mias", user="mia")
    archived = add(ws, "Dup")
    ws("prospect", "archive", archived, "--reason", "test account", user="mia")
    result = ws(
        "user", "deactivate", "sam", "--since", "2026-04-01", "--hand-over-to", "MIA", user="olga"
    )
    assert "2 open account(s) handed over to mia" in result.stdout
    assert [owner_of(ws, p) for p in (open_one, other, theirs)] == ["mia", "mia", "mia"]
    assert owner_of(ws, archived) == "sam"  # archived accounts are not worked on
    history = as_json(ws("history", open_one, "--json", user="olga"))["events"]
    assigned = [e for e in history if e["type"] == "AccountAssigned"]
    assert len(assigned) == 1
    assert assigned[0]["details"] == {
        "from_owner": "sam",
        "to_owner": "mia",
        "reason": "hand-over: sam left",
    }
    assert assigned[0]["occurred_at"].startswith("2026-04-01")
    assert assigned[0]["actor"] == "olga"


def test_won_and_lost_accounts_stay_with_who_won_or_lost_them(ws: Run) -> None:
    lost = add(ws, "Gone")
    ws("lose", lost, "--reason", "price", "--analysis", "too dear", "--at", "2026-03-02")
    kept = add(ws, "Kept")
    leave = ["user", "deactivate", "sam", "--since", "2026-04-01", "--hand-over-to", "mia"]
    data = as_json(ws(*leave, "--json", user="olga"))
    assert data["handed_over"] == [kept]
    assert data["hand_over_to"] == "mia"
    assert owner_of(ws, lost) == "sam"


def test_a_user_who_left_is_refused_afterwards_and_earlier_steps_keep_their_role(
    ws: Run,
) -> None:
    pid = new_account(ws, "prepared")
    ws("user", "deactivate", "mia", "--since", "2026-03-10", user="olga")
    ws(*VISIT(pid, lead="mia", at="2026-03-06"))  # before she left: still a manager
    later = new_account(ws, "prepared")
    refused = ws(*VISIT(later, lead="mia", at="2026-03-12"), code=1)
    assert "R6" in refused.output and "mia holds no role on 2026-03-12" in refused.output
    mine = ws("prospect", "list", user="mia", code=1)
    assert "mia holds no role on" in mine.output
    ws("user", "role", "mia", "--role", "manager", "--since", "2026-03-20", user="olga")
    ws(*VISIT(later, lead="mia", at="2026-03-21"))


def test_deactivating_is_for_owners_and_keeps_an_owner(ws: Run) -> None:
    refused = ws("user", "deactivate", "sam", "--since", "2026-04-01", user="mia", code=1)
    assert "only an owner can deactivate users" in refused.output
    # olga became owner when the workspace was made (today): she leaves in the future
    last = ws("user", "deactivate", "olga", "--since", "2099-01-01", user="olga", code=1)
    assert "without an owner" in last.output
    ws("user", "role", "mia", "--role", "owner", "--since", "2026-02-01", user="olga")
    ws("user", "deactivate", "olga", "--since", "2099-01-01", user="mia")
    assert users(ws)["olga"]["role"] == "owner"  # until she leaves
    roles = as_json(ws("user", "show", "olga", "--json"))["roles"]
    assert [(r["since"][:10], r["role"], r["by"]) for r in roles][-1] == ("2099-01-01", None, "mia")


def test_deactivating_refuses_unknown_users_and_hand_overs_to_nobody(ws: Run) -> None:
    unknown = ws("user", "deactivate", "zed", "--since", "2026-04-01", user="olga", code=3)
    assert "unknown user 'zed'" in unknown.output
    ws("user", "add", "new", "--role", "sales", "--since", "2026-05-01", user="olga")
    add(ws, "Acme")
    early = ws(
        "user",
        "deactivate",
        "sam",
        "--since",
        "2026-04-01",
        "--hand-over-to",
        "new",
        user="olga",
        code=1,
    )
    assert "new holds none on 2026-04-01" in early.output
    unnamed = ws("user", "deactivate", "sam", "--since", "2026-04-01", user="olga", code=2)
    assert "sam owns 1 open account(s)" in unnamed.output
    assert "--hand-over-to" in unnamed.output
    assert users(ws)["sam"]["role"] == "sales"  # nothing was written
    ws("user", "deactivate", "sam", "--since", "2026-04-01", "--hand-over-to", "mia", user="olga")
    again = ws("user", "deactivate", "sam", "--since", "2026-04-02", user="olga", code=2)
    assert "sam holds no role on 2026-04-02 already" in again.output
    gone = ws(
        "user",
        "deactivate",
        "new",
        "--since",
        "2026-06-01",
        "--hand-over-to",
        "sam",
        user="olga",
        code=1,
    )
    assert "sam holds none" in gone.output
    before = ws("user", "deactivate", "new", "--since", "2026-04-01", user="olga", code=2)
    assert "new was added on 2026-05-01" in before.output


def test_user_show_prints_the_role_timeline_and_list_the_unbroken_stretch(ws: Run) -> None:
    ws("user", "role", "sam", "--role", "manager", "--since", "2026-02-01", user="olga")
    ws("user", "deactivate", "sam", "--since", "2026-03-01", user="olga")
    ws("user", "role", "sam", "--role", "manager", "--since", "2026-04-01", user="olga")
    shown = as_json(ws("user", "show", "SAM", "--json"))
    assert shown["name"] == "sam" and shown["role"] == "manager"
    assert shown["since"].startswith("2026-04-01")  # a new stretch, after the break
    assert [(r["since"][:10], r["role"], r["by"]) for r in shown["roles"]] == [
        ("2026-01-01", "sales", "olga"),
        ("2026-02-01", "manager", "olga"),
        ("2026-03-01", None, "olga"),
        ("2026-04-01", "manager", "olga"),
    ]
    text = ws("user", "show", "sam").stdout
    assert "sam: manager since 2026-04-01" in text
    assert "2026-03-01 00:00  (no role)" in text
    owner = as_json(ws("user", "show", "olga", "--json"))["roles"]
    assert [r["role"] for r in owner] == ["owner"] and owner[0]["by"] is None
    unknown = ws("user", "show", "zed", code=3)
    assert "unknown user 'zed'" in unknown.output


def test_user_list_shows_the_role_since_it_held_without_a_break(ws: Run) -> None:
    ws("user", "role", "mia", "--role", "director", "--since", "2026-02-01", user="olga")
    # corrected: manager again from 02-01, so manager without a break from 01-01
    ws("user", "role", "mia", "--role", "manager", "--since", "2026-02-01", user="olga")
    listed = users(ws)
    assert listed["mia"]["role"] == "manager"
    assert listed["mia"]["since"].startswith("2026-01-01")
    ws("user", "deactivate", "sam", "--since", "2026-03-01", user="olga")
    text = ws("user", "list", user="olga").stdout
    row = next(line for line in text.splitlines() if line.startswith("sam"))
    assert "(no role)" in row and "2026-03-01" in row
    ws("user", "add", "ann", "--role", "sales", "--since", "2099-01-01", user="olga")
    row = next(
        line
        for line in ws("user", "list", user="mia").stdout.splitlines()
        if line.startswith("ann")
    )
    assert "(not yet)" in row
    readd = ws("user", "add", "sam", "--role", "sales", user="olga", code=2)
    assert "exists already" in readd.output and "'kaflow user role'" in readd.output


# -- a team's past, backfilled ---------------------------------------------------------


def test_init_since_lets_the_owner_chair_and_lead_work_before_the_workspace(
    run: Run, tmp_path: Path
) -> None:
    result = run("init", "--owner", "olga", "--since", "2025-06-01", user=None)
    assert "owner: olga (since 2025-06-01)" in result.stdout
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS, default=str))
    olga = as_json(run("user", "show", "olga", "--json", user="olga"))
    assert olga["since"].startswith("2025-06-01")
    pid = add(run, "Old", user="olga", at="2025-07-01")
    run("analyse", pid, "--file", "analysis.json", "--at", "2025-07-02", user="olga")
    args = ["approach", pid, "--method", "visit", "--chair", "olga", "--notes", "n"]
    run(*args, "--at", "2025-07-03", user="olga")
    run("review", pid, "--remarks", "fine", "--at", "2025-07-04", user="olga")


def test_init_since_refuses_the_future_and_a_join(run: Run) -> None:
    future = run("init", "--owner", "olga", "--since", "2099-01-01", user=None, code=2)
    assert "--since 2099-01-01 is in the future" in future.output
    join = run("init", "--join", "--since", "2025-01-01", user=None, code=2)
    assert "--join adds no owner" in join.output


def test_without_init_since_work_before_the_workspace_is_refused(run: Run, tmp_path: Path) -> None:
    run("init", "--owner", "olga", user=None)
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS, default=str))
    pid = add(run, "Old", user="olga", at="2025-07-01")
    run("analyse", pid, "--file", "analysis.json", "--at", "2025-07-02", user="olga")
    args = ["approach", pid, "--method", "visit", "--chair", "olga", "--notes", "n"]
    refused = run(*args, "--at", "2025-07-03", user="olga", code=1)
    assert "olga holds no role on 2025-07-03" in refused.output


def test_a_role_change_from_before_the_user_was_added_is_refused_in_one_line(ws: Run) -> None:
    refused = ws(
        "user", "role", "mia", "--role", "owner", "--since", "2025-12-01", user="olga", code=2
    )
    message = refused.output.strip()
    assert "mia was added on 2026-01-01 (as 'manager')" in message
    assert "a change of role can start no earlier" in message
    assert len(message.splitlines()) == 1
    assert users(ws)["mia"]["role"] == "manager"  # nothing was written
    assert len(users(ws)["mia"]["roles"]) == 1
    ws("user", "role", "mia", "--role", "owner", "--since", "2026-01-01", user="olga")
    assert users(ws)["mia"]["role"] == "owner"
