"""Accounts as a sales team keeps them: owners, edits, archiving, search and filters;
each through the CLI, on both stores."""

from __future__ import annotations

from typing import Any

from tests.cli.conftest import Run, as_json, new_account


def add(run: Run, name: str, *more: str, user: str = "sam", at: str = "2026-03-01") -> str:
    args = ["prospect", "add", name, "--category", "potential", "--nature", "distributor"]
    return str(run(*args, "--at", at, *more, user=user).stdout.strip())


def listed(run: Run, *args: str, user: str = "sam") -> list[str]:
    return [r["name"] for r in as_json(run("prospect", "list", *args, "--json", user=user))]


def shown(run: Run, pid: str) -> dict[str, Any]:
    found: dict[str, Any] = as_json(run("prospect", "show", pid, "--json"))
    return found


# -- owners ---------------------------------------------------------------------------


def test_an_account_is_owned_by_whoever_adds_it_or_by_the_owner_given(ws: Run) -> None:
    mine = add(ws, "Acme")
    theirs = add(ws, "Bolt", "--owner", "MIA")
    assert shown(ws, mine)["owner"] == "sam"
    assert shown(ws, theirs)["owner"] == "mia"
    text = ws("prospect", "list").stdout
    assert "OWNER" in text.splitlines()[0]
    assert listed(ws, "--mine") == ["Acme"]
    assert listed(ws, "--owner", "mia") == ["Bolt"]
    assert "owner:             mia" in ws("prospect", "show", theirs).stdout


def test_an_owner_must_be_a_user_holding_a_role(ws: Run) -> None:
    out = ws(
        "prospect", "add", "X", "--category", "potential", "--nature", "d", "--owner", "zed", code=3
    )
    assert "unknown user 'zed'" in out.output
    ws("user", "add", "lee", "--role", "sales", "--since", "2099-01-01", user="olga")
    late = ws(
        "prospect",
        "add",
        "X",
        "--category",
        "potential",
        "--nature",
        "d",
        "--owner",
        "lee",
        code=1,
    )
    assert "lee holds none" in late.output
    assert listed(ws) == []
    ws("prospect", "list", "--owner", "sam", "--mine", code=2)


def test_assigning_an_account_is_a_managers_event_in_its_history(ws: Run) -> None:
    pid = add(ws, "Acme")
    refused = ws("prospect", "assign", pid, "--to", "mia", "--reason", "r", code=1)
    assert "manager or above" in refused.output
    ws("prospect", "assign", pid, "--to", "sam", "--reason", "r", user="mia", code=2)
    done = ws("prospect", "assign", pid, "--to", "olga", "--reason", "Key account", user="mia")
    assert "now owned by olga" in done.stdout
    assert shown(ws, pid)["owner"] == "olga"
    events = as_json(ws("history", pid, "--json"))["events"]
    assigned = events[-1]
    assert assigned["type"] == "AccountAssigned"
    assert assigned["actor"] == "mia"
    assert assigned["details"] == {"from_owner": "sam", "to_owner": "olga", "reason": "Key account"}
    assert "AccountAssigned" in ws("history", pid).stdout
    assert listed(ws, "--owner", "olga") == ["Acme"]


def test_the_funnel_of_one_owner(ws: Run) -> None:
    add(ws, "Acme")
    add(ws, "Bolt", "--owner", "mia")
    add(ws, "Cord", "--owner", "mia")

    def identified(*args: str) -> int:
        data = as_json(ws("report", "funnel", *args, "--json"))
        row = data["sections"][0]["rows"][0]
        assert row["stage"] == "identified"
        return int(row["accounts"])

    assert identified() == 3
    assert identified("--owner", "mia") == 2
    assert identified("--owner", "sam") == 1


# -- edits ----------------------------------------------------------------------------


def test_an_edit_keeps_the_old_values_and_counts_as_a_change(ws: Run) -> None:
    pid = new_account(ws, "analysed")
    ws("prospect", "edit", pid, "--reason", "r", code=2)  # nothing given
    same = ws("prospect", "edit", pid, "--nature", "distributor", "--reason", "r", code=2)
    assert "nothing to change" in same.output
    empty = ws("prospect", "edit", pid, "--nature", " ", "--reason", "r", code=1)
    assert "R1" in empty.output
    ws(
        "prospect",
        "edit",
        pid,
        "--name",
        "Acme Ltd",
        "--category",
        "existing",
        "--reason",
        "Registered name",
    )
    account = shown(ws, pid)
    assert (account["name"], account["category"], account["nature"]) == (
        "Acme Ltd",
        "existing",
        "distributor",
    )
    edited = as_json(ws("history", pid, "--json"))["events"][-1]
    assert edited["type"] == "AccountEdited"
    assert edited["details"]["changes"] == {
        "name": {"old": "Acme", "new": "Acme Ltd"},
        "category": {"old": "potential", "new": "existing"},
    }
    record = as_json(ws("ledger", pid, "--json"))
    assert record["account"]["name"] == "Acme Ltd"
    assert record["account"]["category"] == "existing"
    (change,) = record["changes"]
    assert change["changed_by"] == "sam"
    assert change["reason"] == "Registered name"
    assert change["changed_at"]
    assert listed(ws, "--search", "acme ltd") == ["Acme Ltd"]


# -- archiving ------------------------------------------------------------------------


def test_an_archived_account_takes_no_steps_and_is_left_out(ws: Run) -> None:
    keep = add(ws, "Acme")
    dup = add(ws, "ACME", "--allow-duplicate")
    ws("prospect", "archive", dup, "--reason", "twice", code=1)  # sales may not
    ws("prospect", "archive", dup, "--reason", "twice", "--duplicate-of", dup, user="mia", code=2)
    ws("prospect", "archive", dup, "--reason", "twice", "--duplicate-of", keep, user="mia")
    refused = ws("analyse", dup, "--file", "analysis.json", code=1)
    assert "archived" in refused.output
    ws("prospect", "edit", dup, "--name", "B", "--reason", "r", code=1)
    ws("prospect", "archive", dup, "--reason", "again", user="mia", code=1)
    assert listed(ws) == ["Acme"]
    assert listed(ws, "--include-archived") == ["Acme", "ACME"]
    assert shown(ws, dup)["archived"]["duplicate_of"] == keep
    assert shown(ws, dup)["next"] == []
    types = [e["type"] for e in as_json(ws("history", dup, "--json"))["events"]]
    assert types == ["Identified", "AccountArchived"]
    funnel = as_json(ws("report", "funnel", "--json"))["sections"][0]["rows"][0]
    assert funnel["accounts"] == 1
    funnel = as_json(ws("report", "funnel", "--include-archived", "--json"))
    assert funnel["sections"][0]["rows"][0]["accounts"] == 2
    conformance = as_json(ws("report", "conformance", "--json"))["sections"][0]["rows"]
    assert {r["name"] for r in conformance} == {"Acme"}


# -- search and filters ---------------------------------------------------------------


def test_search_ignores_case_width_and_punctuation(ws: Run) -> None:
    add(ws, "华东建材有限公司")
    add(ws, "Huadong Supplies")
    add(ws, "Acme (Shanghai) Co., Ltd.")
    assert listed(ws, "--search", "华东") == ["华东建材有限公司"]
    assert listed(ws, "--search", "hua dong") == ["Huadong Supplies"]
    assert listed(ws, "--search", "HUADONG") == ["Huadong Supplies"]
    assert listed(ws, "--search", "Ｈｕａｄｏｎｇ") == ["Huadong Supplies"]
    assert listed(ws, "--search", "acme shanghai co ltd") == ["Acme (Shanghai) Co., Ltd."]
    assert listed(ws, "--search", "nowhere") == []
    assert listed(ws, "--search", "华") == ["华东建材有限公司"]  # one character: every name read
    assert listed(ws, "--search", "材有限") == ["华东建材有限公司"]
    err = ws("prospect", "list", "--search", " ,.（）", code=2).stderr
    assert "--search: give letters or digits" in err


def test_search_finds_an_account_by_its_new_name_only(ws: Run) -> None:
    pid = add(ws, "华东建材有限公司")
    add(ws, "华南建材有限公司")
    ws("prospect", "edit", pid, "--name", "东方五金", "--reason", "renamed")
    assert listed(ws, "--search", "华东") == []
    assert listed(ws, "--search", "东方") == ["东方五金"]
    assert listed(ws, "--search", "建材") == ["华南建材有限公司"]
    ws("projections", "rebuild", user="olga")
    assert listed(ws, "--search", "东方") == ["东方五金"]
    assert listed(ws, "--search", "华东") == []


def test_filters_and_sorts(ws: Run) -> None:
    old = add(ws, "Cord", at="2026-03-01")
    add(ws, "Acme", at="2026-03-05")
    ws("prospect", "add", "Bolt", "--category", "existing", "--nature", "d", "--at", "2026-03-03")
    ws("analyse", old, "--file", "analysis.json", "--at", "2026-03-04")
    assert listed(ws) == ["Cord", "Acme", "Bolt"]  # in the order they were added
    assert listed(ws, "--sort", "name") == ["Acme", "Bolt", "Cord"]
    assert listed(ws, "--sort", "identified") == ["Cord", "Bolt", "Acme"]
    assert listed(ws, "--sort", "last-step") == ["Bolt", "Cord", "Acme"]
    assert listed(ws, "--sort", "state") == ["Acme", "Bolt", "Cord"]
    assert listed(ws, "--category", "existing") == ["Bolt"]
    assert listed(ws, "--state", "analysed") == ["Cord"]
    assert listed(ws, "--idle", "P14D") == ["Cord", "Acme", "Bolt"]  # today is far later
    assert listed(ws, "--idle", "P3650D") == []
    ws("prospect", "list", "--idle", "14 days", code=2)
    ws("prospect", "list", "--sort", "size", code=2)


def test_idle_counts_from_when_the_last_step_happened(ws: Run) -> None:
    from datetime import date, timedelta

    recent = (date.today() - timedelta(days=3)).isoformat()
    stale = (date.today() - timedelta(days=30)).isoformat()
    fresh = add(ws, "Fresh", at=stale)
    add(ws, "Stale", at=stale)
    ws("analyse", fresh, "--file", "analysis.json", "--at", recent)
    assert listed(ws, "--idle", "P14D") == ["Stale"]
    assert listed(ws, "--idle", "P2D") == ["Fresh", "Stale"]


def test_won_and_lost_accounts_are_never_idle(ws: Run) -> None:
    stale = add(ws, "Stale", at="2026-03-01")
    lost = add(ws, "Lost", at="2026-03-01")
    ws("lose", lost, "--reason", "price", "--analysis", "too dear", "--at", "2026-03-02")
    assert listed(ws, "--idle", "P14D") == ["Stale"]
    assert stale


def test_show_takes_a_unique_exact_name(ws: Run) -> None:
    pid = add(ws, "Huadong Supplies")
    assert shown(ws, "Huadong Supplies")["id"] == pid
    ws("prospect", "show", "Huadong", code=2)  # not a name, not an id
    add(ws, "Huadong Supplies", "--allow-duplicate")
    ambiguous = ws("prospect", "show", "Huadong Supplies", code=2)
    assert "more than one account" in ambiguous.output
    assert shown(ws, pid)["name"] == "Huadong Supplies"  # its id still works
