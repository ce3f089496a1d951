"""Row scoping: with ``[access] sales_see = "own"``, a salesperson sees and acts on the
accounts they own or took part in (recorded a step on, chaired, led or joined); managers
and above see every account; without the setting, everyone sees everything."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run, as_json, new_account


def names(ws: Run, user: str) -> list[str]:
    return sorted(a["name"] for a in as_json(ws("prospect", "list", "--json", user=user)))


def add(ws: Run, name: str, user: str) -> str:
    args = ["prospect", "add", name, "--category", "potential", "--nature", "d"]
    return str(ws(*args, user=user).stdout.strip())


def test_salespeople_see_and_act_on_their_own_accounts_only(ws: Run, tmp_path: Path) -> None:
    ws("user", "add", "tom", "--role", "sales", "--since", "2026-01-01", user="olga")
    mine = new_account(ws, "contacted")  # sam's, called Acme
    toms = add(ws, "Bolt Works", "tom")
    clay = add(ws, "Clay Co", "mia")
    assert names(ws, "sam") == ["Acme", "Bolt Works", "Clay Co"]  # everyone sees all

    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text() + '\n[access]\nsales_see = "own"\n')
    assert names(ws, "sam") == ["Acme"]
    assert names(ws, "tom") == ["Bolt Works"]
    assert names(ws, "mia") == ["Acme", "Bolt Works", "Clay Co"]  # a manager sees all
    refused = as_json(ws("prospect", "show", clay, "--json", code=1))
    assert refused["rule"] == "access" and "neither owns" in refused["error"]
    ws("history", toms, code=1)
    contact = ["contact", clay, "--channel", "phone", "--person", "Li", "--attitude",
               "positive", "--notes", "n"]  # fmt: skip
    ws("analyse", clay, "--file", "analysis.json", user="mia")
    ws("approach", clay, "--method", "visit", "--chair", "mia", "--notes", "go", user="mia")
    assert as_json(ws(*contact, "--json", code=1))["rule"] == "access"  # nothing written
    ws(*contact, user="mia")
    assert len(as_json(ws("history", clay, "--json", user="mia"))["events"]) == 4

    # sam joins the pre-visit conference on Clay: he took part, and sees it.
    ws("conference", clay, "--participants", "sam,mia", "--notes", "plan", user="mia")
    assert names(ws, "sam") == ["Acme", "Clay Co"]
    ws("prospect", "show", clay)
    rows = as_json(ws("report", "funnel", "--json"))["sections"][0]["rows"]
    funnel = {r["stage"]: r["reached"] for r in rows}
    assert funnel["identified"] == 2  # his two, not Bolt Works
    assert [a["id"] for a in as_json(ws("prospect", "list", "--json", user="tom"))] == [toms]
    assert mine in ws("ledger", mine, "--format", "json").stdout


def test_an_unknown_scope_is_refused(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text() + '\n[access]\nsales_see = "some"\n')
    assert "sales_see 'some'" in ws("prospect", "list", code=2).stderr
