"""Each channel's message format and signature, as its server receives it."""

from __future__ import annotations

import ssl
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Run, as_json, new_account
from tests.notify.conftest import (
    AFTER,
    SECRET,
    channel,
    configure,
    dingtalk_sign,
    feishu_sign,
    hex_signature,
    outbox,
)
from tests.notify.servers import Hooks, self_signed, serve_mail


def people(ws: Run) -> None:
    """dan, a director, is told of misses too; mia has every handle, sam none, dan some."""
    ws("user", "add", "dan", "--role", "director", "--since", "2026-01-01", user="olga")
    ws("user", "edit", "mia", "--email", "mia@example.com", "--wecom", "MiaW",
       "--dingtalk", "mia-dt", "--feishu", "ou_mia", user="mia")  # fmt: skip
    ws("user", "edit", "dan", "--email", "dan@example.com", "--dingtalk", "dan-dt", user="olga")


def missed(ws: Run) -> tuple[str, dict[str, Any]]:
    """An account whose follow-up is missed, the tick that records and delivers it."""
    pid = new_account(ws, "visited")
    report = as_json(ws("scheduler", "tick", "--now", AFTER, "--json", user=None))
    return pid, report


def test_a_webhook_gets_the_notice_signed_with_its_idempotency_key(
    ws: Run, tmp_path: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFLOW_WEBHOOK_SECRET", SECRET)
    configure(
        tmp_path, channel("ops", "webhook", url=hooks.url(), secret_env="KAFLOW_WEBHOOK_SECRET")
    )
    people(ws)
    pid, report = missed(ws)
    assert report["channels"] == [
        {"channel": "ops", "sent": 1, "skipped": [], "parked": [], "failed": None,
         "waiting_until": None}
    ]  # fmt: skip
    [request] = hooks.received
    [notice] = outbox(tmp_path)  # the outbox goes on as before, beside the channel
    assert request.headers["X-Kaflow-Signature"] == hex_signature(request.raw)
    key = request.headers["Idempotency-Key"]
    assert key.startswith("kaflow:") and key.endswith(f":{notice['position']}")
    body = request.body
    assert body["idempotency_key"] == key and body["channel"] == "ops"
    assert body["notice"] == {k: v for k, v in notice.items() if k != "store"}
    assert body["notice"]["id"] == f"overdue:{pid}:1"
    assert body["recipients"] == [
        {"name": "mia", "email": "mia@example.com", "wecom": "MiaW", "dingtalk": "mia-dt",
         "feishu": "ou_mia"},
        {"name": "sam"},
        {"name": "dan", "email": "dan@example.com", "dingtalk": "dan-dt"},
    ]  # fmt: skip


def test_wecom_posts_text_mentioning_handles(ws: Run, tmp_path: Path, hooks: Hooks) -> None:
    configure(tmp_path, channel("group", "wecom", url=hooks.url("/wecom?key=abc")))
    people(ws)
    missed(ws)
    [request] = hooks.received
    assert request.path == "/wecom" and request.query == {"key": "abc"}
    body = request.body
    assert set(body) == {"msgtype", "text"} and body["msgtype"] == "text"
    assert body["text"]["mentioned_list"] == ["MiaW"]
    content = body["text"]["content"]
    assert content.startswith("R11 overdue: follow-up of Acme\nThe follow-up of the visit")
    assert "For: mia, sam, dan" in content
    assert content.endswith(f"ref {request.headers['Idempotency-Key']}")


def test_dingtalk_signs_the_query_and_mentions_by_user_id(
    ws: Run, tmp_path: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DT_SECRET", SECRET)
    url = hooks.url("/robot/send?access_token=tok")
    configure(tmp_path, channel("dt", "dingtalk", url=url, secret_env="DT_SECRET"))
    people(ws)
    missed(ws)
    [request] = hooks.received
    stamp = request.query["timestamp"]
    assert request.query["access_token"] == "tok"
    assert abs(int(stamp) - time.time() * 1000) < 60_000  # milliseconds, now
    assert request.query["sign"] == dingtalk_sign(stamp)  # parse_qs undid the url-encoding
    body = request.body
    assert body["msgtype"] == "text"
    assert body["at"] == {"atUserIds": ["mia-dt", "dan-dt"], "isAtAll": False}
    assert "For: @mia-dt, sam, @dan-dt" in body["text"]["content"]


def test_dingtalk_without_a_secret_sends_no_signature(
    ws: Run, tmp_path: Path, hooks: Hooks
) -> None:
    configure(tmp_path, channel("dt", "dingtalk", url=hooks.url("/robot/send?access_token=t")))
    missed(ws)
    [request] = hooks.received
    assert request.query == {"access_token": "t"}


def test_feishu_signs_the_body_and_mentions_with_at_tags(
    ws: Run, tmp_path: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FS_SECRET", SECRET)
    configure(tmp_path, channel("fs", "feishu", url=hooks.url("/hook/x"), secret_env="FS_SECRET"))
    hooks.answer = {"code": 0, "msg": "success"}
    people(ws)
    missed(ws)
    [request] = hooks.received
    body = request.body
    assert set(body) == {"msg_type", "content", "timestamp", "sign"}
    assert body["msg_type"] == "text"
    assert abs(int(body["timestamp"]) - time.time()) < 60  # seconds, now
    assert body["sign"] == feishu_sign(body["timestamp"])
    text = body["content"]["text"]
    assert 'For: <at user_id="ou_mia">mia</at>, sam, dan' in text


@pytest.mark.parametrize(
    ("kind", "answer", "said"),
    [
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, "93000 invalid webhook url"),
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, "310000 sign not match"),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, "19021 sign match fail"),
    ],
)
def test_a_group_bot_refusing_with_its_own_error_code_is_a_failure(
    ws: Run, tmp_path: Path, hooks: Hooks, kind: str, answer: dict[str, Any], said: str
) -> None:
    configure(tmp_path, channel("bot", kind, url=hooks.url()))
    hooks.answer = answer  # with HTTP 200, as these services answer
    _, report = missed(ws)
    [done] = report["channels"]
    assert done["sent"] == 0 and said in done["failed"]["error"]


def test_email_goes_to_the_addresses_of_those_the_notice_is_for(
    ws: Run, tmp_path: Path, mail: Any
) -> None:
    configure(
        tmp_path,
        channel("mail", "smtp", host="127.0.0.1", port=mail.mailbox.port, security="none",
                from_="kaflow@example.com"),
    )  # fmt: skip
    people(ws)
    pid, report = missed(ws)
    assert report["channels"][0]["sent"] == 1
    [(sender, recipients, message)] = mail.mailbox.mail
    [notice] = outbox(tmp_path)
    assert sender == "kaflow@example.com"
    assert recipients == ["mia@example.com", "dan@example.com"]  # sam has no address
    assert message["Subject"] == "R11 overdue: follow-up of Acme"
    key = message["X-Kaflow-Idempotency-Key"]
    assert key.endswith(f":{notice['position']}")
    assert message["Message-ID"] == f"<{key.replace(':', '.')}@example.com>"
    text = message.get_payload(decode=True).decode()
    assert notice["text"] in text and f"Account: Acme ({pid})" in text
    assert "For: mia, sam, dan" in text and key in text


def test_email_for_no_one_with_an_address_is_skipped_not_failed(
    ws: Run, tmp_path: Path, mail: Any
) -> None:
    configure(
        tmp_path,
        channel("mail", "smtp", host="127.0.0.1", port=mail.mailbox.port, security="none",
                from_="kaflow@example.com"),
    )  # fmt: skip
    _, report = missed(ws)
    [done] = report["channels"]
    assert done["sent"] == 0 and done["failed"] is None
    assert done["skipped"][0]["why"] == "no e-mail address for mia, sam"
    assert mail.mailbox.mail == []
    status = as_json(ws("notify", "status", "--json"))["channels"][0]
    assert status["pending"] == 0 and status["skipped"] == 1


def test_email_over_starttls_with_a_login(
    ws: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # kaflow trusts the test's own authority
    monkeypatch.setenv("KAFLOW_SMTP_PASSWORD", "pw-123")
    assert ssl.create_default_context().cert_store_stats()["x509_ca"] >= 1
    server = serve_mail(tls=(cert, key), password="pw-123")
    try:
        configure(
            tmp_path,
            channel("mail", "smtp", host="127.0.0.1", port=server.mailbox.port,
                    security="starttls", username="kaflow", password_env="KAFLOW_SMTP_PASSWORD",
                    from_="Kaflow <kaflow@example.com>"),
        )  # fmt: skip
        people(ws)
        _, report = missed(ws)
        assert report["channels"][0]["sent"] == 1, report
        assert server.mailbox.logins == ["kaflow"]
        assert server.mailbox.mail[0][2]["From"] == "Kaflow <kaflow@example.com>"
        monkeypatch.setenv("KAFLOW_SMTP_PASSWORD", "wrong")
        result = ws("notify", "test", "mail", user="mia", code=2)
        assert "NOT sent: mail (smtp): the server said 535" in result.stdout
    finally:
        server.stop()
