"""Personal data sealed at rest and erasable (docs/privacy.md), on both stores, through
the CLI: the clear text is nowhere in the store's bytes, every reader sees it, and after
``privacy erase`` every reader sees ``[erased]``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.builders import ANALYSIS
from tests.cli.conftest import Run, as_json, new_account

SECRETS = {
    "personality": "Quietly stubborn, hates cold calls",
    "pressures": "Divorce settlement due in spring",
    "interests": "Collects Song dynasty celadon",
}
CUSTOMER_DATA = "Chairman's daughter studies in Leeds"


@pytest.fixture
def held(ws: Run, tmp_path: Path) -> str:
    """An account analysed and prepared with personal details in both declared places."""
    analysis = json.loads(json.dumps(ANALYSIS, default=str))
    analysis["decision_makers"][0].update(SECRETS)
    (tmp_path / "analysis.json").write_text(json.dumps(analysis), encoding="utf-8")
    pid = new_account(ws, upto="contacted")
    ws("conference", pid, "--participants", "sam,mia", "--notes", "plan", "--at", "2026-03-05")
    ws("prepare", pid, "--customer-data", CUSTOMER_DATA, "--analysis", "a",
       "--sales-materials", "m", "--at", "2026-03-05")  # fmt: skip
    return pid


def raw_bytes(tmp_path: Path, store_url: str | None) -> bytes:
    """Everything the store holds at rest: the SQLite file and its journal files, or a
    pg_dump of the database."""
    if store_url is None:
        return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("kaflow.db*")))
    dump = "/usr/lib/postgresql/15/bin/pg_dump"
    return subprocess.run([dump, "--data-only", store_url], capture_output=True, check=True).stdout


def clear_texts() -> list[bytes]:
    return [t.encode() for t in [*SECRETS.values(), CUSTOMER_DATA]]


def test_personal_fields_are_sealed_at_rest_and_read_in_clear(
    ws: Run, held: str, tmp_path: Path, store_url: str | None
) -> None:
    ledger = ws("ledger", held, "--format", "json").stdout
    assert CUSTOMER_DATA in ledger
    analysis = as_json(ws("prospect", "analysis", held, "--format", "json"))
    assert analysis["decision_makers"][0]["personality"] == SECRETS["personality"]
    assert CUSTOMER_DATA in ws("history", held, "--json").stdout
    shown = as_json(ws("privacy", "show", held, "--json"))
    assert {f["field"]: f["value"] for f in shown["fields"]} == {
        "analysis.decision_makers[0].personality": SECRETS["personality"],
        "analysis.decision_makers[0].pressures": SECRETS["pressures"],
        "analysis.decision_makers[0].interests": SECRETS["interests"],
        "customer_data": CUSTOMER_DATA,
    }
    stored = raw_bytes(tmp_path, store_url)
    assert b"sealed:v1" in stored
    for text in clear_texts():
        assert text not in stored, text


def test_erase_is_for_an_owner_confirmed_and_reads_erased_everywhere(
    ws: Run, held: str, tmp_path: Path, store_url: str | None
) -> None:
    refused = as_json(ws("privacy", "erase", held, "--reason", "asked", "--yes", "--json", code=1))
    assert refused["kind"] == "refused" and "owner" in refused["error"]
    unconfirmed = ws("privacy", "erase", held, "--reason", "asked", user="olga", code=2)
    assert "--yes" in unconfirmed.output
    assert CUSTOMER_DATA in ws("ledger", held, "--format", "json").stdout  # nothing erased yet

    done = as_json(ws("privacy", "erase", held, "--reason", "Request of 2026-12-01", "--yes",
                      "--json", user="olga"))  # fmt: skip
    assert done["keys_destroyed"] == 2  # the account's, and its decision maker's in it

    shown = as_json(ws("privacy", "show", held, "--json"))
    assert {f["value"] for f in shown["fields"]} == {"[erased]"}
    assert shown["erased"][0]["by"] == "olga"
    assert shown["erased"][0]["reason"] == "Request of 2026-12-01"
    history = as_json(ws("history", held, "--json"))
    erasure = history["events"][-1]
    assert erasure["type"] == "PersonalDataErased" and erasure["actor_role"] == "owner"
    analysis = as_json(ws("prospect", "analysis", held, "--format", "json"))
    assert {analysis["decision_makers"][0][k] for k in SECRETS} == {"[erased]"}
    ws("projections", "rebuild", user="olga")
    readers = [
        ["ledger", held, "--format", "json"],
        ["history", held, "--json"],
        ["ledger", held, "--format", "md"],
        ["prospect", "show", held, "--json"],
    ]
    for args in readers:
        out = ws(*args).stdout
        for text in clear_texts():
            assert text.decode() not in out, (args, text)
    assert "[erased]" in ws("ledger", held, "--format", "json").stdout
    ws("report", "funnel")  # reports still render
    stored = raw_bytes(tmp_path, store_url)
    for text in clear_texts():
        assert text not in stored, text

    # Data recorded after the erasure is sealed under a new key, and read.
    ws("correct", held, "--entry", "4", "--field", "customer-data", "--value", "Met the new CFO",
       "--reason", "met again", user="mia")  # fmt: skip
    record = as_json(ws("ledger", held, "--format", "json"))
    assert "customer data: Met the new CFO" in record["entries"][3]["notes"]
    values = {f["value"] for f in as_json(ws("privacy", "show", held, "--json"))["fields"]}
    assert values == {"[erased]", "Met the new CFO"}
    assert b"Met the new CFO" not in raw_bytes(tmp_path, store_url)


def test_a_store_without_its_master_key_reveals_nothing(
    ws: Run, held: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "kaflow.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    kept = key.read_text()
    key.unlink()
    missing = as_json(ws("ledger", held, "--format", "json", "--json", code=2))
    assert "master key" in missing["error"] and "kaflow.key" in missing["error"]
    key.write_text("A" * 43 + "=\n")  # 32 bytes, but another key
    os.chmod(key, 0o600)
    wrong = as_json(ws("ledger", held, "--format", "json", "--json", code=2))
    assert "not the one" in wrong["error"]
    monkeypatch.setenv("KAFLOW_MASTER_KEY", kept.strip())  # the key kept elsewhere
    assert CUSTOMER_DATA in ws("ledger", held, "--format", "json").stdout


def test_a_copy_for_another_master_key_has_its_data_keys_wrapped_anew(
    ws: Run, held: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "theirs").mkdir()
    copied = as_json(ws("store", "copy", "--to", "sqlite:///theirs/kaflow.db", "--master-key",
                        "theirs/kaflow.key", "--json", user="olga"))  # fmt: skip
    assert copied["verified"] and copied["rewrapped"] == 2  # the account's, Wang Li's in it
    theirs = (tmp_path / "theirs" / "kaflow.key").read_text().strip()
    assert theirs != (tmp_path / "kaflow.key").read_text().strip()
    assert oct((tmp_path / "theirs" / "kaflow.key").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("KAFLOW_STORE", f"sqlite:///{tmp_path / 'theirs' / 'kaflow.db'}")
    refused = as_json(ws("ledger", held, "--format", "json", "--json", code=2))
    assert "not the one" in refused["error"]  # this workspace's key no longer opens them
    monkeypatch.setenv("KAFLOW_MASTER_KEY", theirs)
    assert CUSTOMER_DATA in ws("ledger", held, "--format", "json").stdout
    assert ws("store", "copy", "--to", "sqlite:///x.db", "--master-key", "k", "--switch",
              code=2).stderr  # fmt: skip


def test_a_person_is_erased_in_every_account_and_nothing_else(
    ws: Run, held: str, tmp_path: Path, store_url: str | None
) -> None:
    second = new_account(ws, upto="analysed")  # Wang Li again, as decision maker
    other = json.loads((tmp_path / "analysis.json").read_text())
    other["decision_makers"][0].update(name="Zhao Min", personality="Plays chess at lunch")
    (tmp_path / "analysis.json").write_text(json.dumps(other), encoding="utf-8")
    third = new_account(ws, upto="analysed")
    shown = as_json(ws("privacy", "show", "--person", "wang  LI", "--json"))
    assert sorted(a["id"] for a in shown["accounts"]) == sorted([held, second])
    assert {f["value"] for f in shown["fields"]} == set(SECRETS.values())
    refused = ws("privacy", "erase", held, "--person", "Wang Li", "--reason", "r", user="olga",
                 code=2)  # fmt: skip
    assert "not both" in refused.stderr

    done = as_json(ws("privacy", "erase", "--person", "Wang Li", "--reason", "Asked on 1 Dec",
                      "--yes", "--json", user="olga"))  # fmt: skip
    assert sorted(done["accounts"]) == sorted([held, second]) and done["keys_destroyed"] == 2
    for pid in (held, second):
        analysis = as_json(ws("prospect", "analysis", pid, "--format", "json"))
        assert {analysis["decision_makers"][0][k] for k in SECRETS} == {"[erased]"}
        erasure = as_json(ws("history", pid, "--json"))["events"][-1]
        assert erasure["type"] == "PersonalDataErased" and erasure["details"]["person"]
        assert "Wang" not in json.dumps(erasure)  # by pseudonym, never by name
    kept = as_json(ws("prospect", "analysis", third, "--format", "json"))
    assert kept["decision_makers"][0]["personality"] == "Plays chess at lunch"
    assert CUSTOMER_DATA in ws("ledger", held, "--format", "json").stdout  # the account's own
    after = as_json(ws("privacy", "show", "--person", "Wang Li", "--json"))
    assert {f["value"] for f in after["fields"]} == {"[erased]"} and len(after["erased"]) == 2
