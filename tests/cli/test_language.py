"""The CLI's messages follow ``language`` in kaflow.toml, or KAFLOW_LANG: in Chinese, a
refusal says its rule in the words of the catalog the web pages use, then the
application's own message; a step's confirmation is said in the catalog's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import CONTACT, VISIT, Run, as_json, new_account


def test_a_refusal_is_said_in_chinese_when_asked(
    ws: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = new_account(ws, upto="prepared")
    english = ws(*VISIT(pid, lead="sam"), code=1).stderr
    assert "R6" in english
    assert "拜访" not in english
    monkeypatch.setenv("KAFLOW_LANG", "zh-CN")
    chinese = ws(*VISIT(pid, lead="sam"), code=1).stderr
    assert chinese.startswith("拜访须由开发经理或以上带队（R6）：") and "sam" in chinese
    refused = as_json(ws(*VISIT(pid, lead="sam"), "--json", code=1))
    assert refused["rule"] == "R6" and refused["error"].startswith("拜访须由")
    monkeypatch.delenv("KAFLOW_LANG")
    config = tmp_path / "kaflow.toml"
    config.write_text('language = "zh"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    missing = ws("history", "0" * 32, code=3).stderr
    assert missing.startswith("未找到：no account")


def test_a_language_kaflow_does_not_speak_is_refused(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text('language = "fr"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert "language 'fr'" in ws("prospect", "list", code=2).stderr


def test_a_step_is_confirmed_in_chinese_when_asked(
    ws: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The words come from the catalog; the JSON stays in kaflow's own names."""
    first, second = new_account(ws, upto="approach"), new_account(ws, upto="approach")
    assert ws(*CONTACT(first)).stdout == "Acme: contact recorded; now contacted.\n"
    monkeypatch.setenv("KAFLOW_LANG", "zh-CN")
    assert ws(*CONTACT(second)).stdout == "Acme：已记录联系；当前状态：已联系。\n"
    assert as_json(ws(*CONTACT(second), "--json"))["state"] == "contacted"
    edited = ws("prospect", "edit", second, "--nature", "OEM", "--reason", "r", "--as", "mia")
    assert edited.stdout == "Acme：已修改。\n"
    assigned = ws("prospect", "assign", second, "--to", "olga", "--reason", "r", "--as", "mia")
    assert assigned.stdout == "Acme：现由 olga 负责。\n"
    archived = ws("prospect", "archive", first, "--reason", "test account", "--as", "mia")
    assert archived.stdout == "Acme：已归档。\n"
