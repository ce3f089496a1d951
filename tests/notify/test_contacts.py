"""``user edit``: a user's e-mail address and IM handles, their own or (an owner) anyone's,
recorded in the user directory."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run, as_json


def test_a_user_sets_their_own_contacts_and_an_owner_anyones(ws: Run) -> None:
    mine = as_json(ws("user", "edit", "sam", "--email", "sam@example.com", "--wecom", "Sam01",
                      "--json"))  # fmt: skip
    assert mine == {"name": "sam", "contacts": {"email": "sam@example.com", "wecom": "Sam01"},
                    "language": None}  # fmt: skip
    shown = ws("user", "edit", "SAM", "--dingtalk", "sam-dt", "--feishu", "ou_1", user="olga")
    assert shown.stdout.strip() == (
        "sam: email sam@example.com, wecom Sam01, dingtalk sam-dt, feishu ou_1."
    )
    removed = as_json(ws("user", "edit", "sam", "--wecom", "", "--json"))
    assert removed["contacts"] == {"email": "sam@example.com", "dingtalk": "sam-dt",
                                   "feishu": "ou_1"}  # fmt: skip
    found = as_json(ws("user", "show", "sam", "--json", user="mia"))
    assert found["contacts"] == removed["contacts"]
    assert [r["role"] for r in found["roles"]] == ["sales"]  # the role timeline is unchanged
    assert "notices reach them by: email sam@example.com" in ws("user", "show", "sam").stdout


def test_contacts_are_refused_for_others_and_checked(ws: Run) -> None:
    refused = ws("user", "edit", "mia", "--email", "m@example.com", code=1)
    assert "only an owner can edit contacts; sam is 'sales'" in refused.stderr
    bad = ws("user", "edit", "sam", "--email", "sam@example.com, boss@example.com", code=2)
    assert "--email: expected an e-mail address" in bad.stderr
    assert (
        "--wecom: an id without spaces"
        in ws("user", "edit", "sam", "--wecom", "a b", code=2).stderr
    )
    nothing = ws("user", "edit", "sam", code=2)
    assert "give at least one of --email, --wecom, --dingtalk, --feishu, --language" in (
        nothing.stderr
    )
    ws("user", "edit", "sam", "--email", "sam@example.com")
    same = ws("user", "edit", "sam", "--email", "sam@example.com", code=2)
    assert "contacts are so already" in same.stderr
    assert (
        "unknown user 'zed'"
        in ws("user", "edit", "zed", "--email", "z@x.org", user="olga", code=3).stderr
    )


def test_contacts_are_sealed_at_rest(ws: Run, tmp_path: Path) -> None:
    """A user's address and handles are personal data: nowhere in clear in the store."""
    ws("user", "edit", "mia", "--email", "mia.zhang@example.com", "--wecom", "MiaZ", user="mia")
    assert "mia.zhang@example.com" in ws("user", "show", "mia", "--json").stdout
    stored = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("kaflow.db*")))
    if stored:  # SQLite (on PostgreSQL the store is not a file here)
        assert b"mia.zhang@example.com" not in stored and b"sealed:v1" in stored


def test_a_user_chooses_the_language_of_their_pages(ws: Run) -> None:
    """``--language``: their own, or (an owner) anyone's; kept beside the log, shown by
    ``user show``; '' forgets it."""
    chosen = as_json(ws("user", "edit", "sam", "--language", "zh", "--json"))
    assert chosen == {"name": "sam", "contacts": {}, "language": "zh_CN"}
    assert "pages in 中文 (zh_CN)" in ws("user", "show", "sam").stdout
    assert as_json(ws("user", "show", "sam", "--json", user="mia"))["language"] == "zh_CN"
    both = as_json(ws("user", "edit", "mia", "--email", "mia@example.com", "--language", "en",
                      "--json", user="olga"))  # fmt: skip
    assert both == {"name": "mia", "contacts": {"email": "mia@example.com"}, "language": "en"}
    refused = ws("user", "edit", "mia", "--language", "zh-CN", code=1)
    assert "only an owner" in refused.stderr
    bad = ws("user", "edit", "sam", "--language", "fr", code=2)
    assert "--language: 'fr' is not one of en, zh_CN" in bad.stderr
    forgot = as_json(ws("user", "edit", "sam", "--language", "", "--json"))
    assert forgot["language"] is None
    assert "pages in" not in ws("user", "show", "sam").stdout
