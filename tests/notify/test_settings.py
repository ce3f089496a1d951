"""``[[notify.channels]]`` in kaflow.toml: the issue's example is read as written; a bad
channel is one line naming the channel and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run, as_json
from tests.notify.conftest import channel, configure

EXAMPLE = """
[[notify.channels]]
name = "mail"
type = "smtp"              # smtp | webhook | wecom | dingtalk | feishu
host = "smtp.example.com"
port = 587
security = "starttls"      # starttls | tls | none
username = "kaflow"        # the password from the variable named by password_env
password_env = "KAFLOW_SMTP_PASSWORD"
from = "kaflow@example.com"

[[notify.channels]]
name = "ops"
type = "webhook"
url = "https://hooks.example.com/kaflow"
secret_env = "KAFLOW_WEBHOOK_SECRET"   # HMAC-SHA256 of the body, in X-Kaflow-Signature
notices = ["overdue", "reminder"]      # default: every notice
"""


def test_the_example_settings_are_read_as_written(ws: Run, tmp_path: Path) -> None:
    configure(tmp_path, EXAMPLE)
    found = as_json(ws("notify", "status", "--json"))["channels"]
    assert [(c["name"], c["type"], c["notices"]) for c in found] == [
        ("mail", "smtp", ["reminder", "overdue"]),
        ("ops", "webhook", ["overdue", "reminder"]),
    ]


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (channel("ops", "fax", url="http://x"),
         "[[notify.channels]] 1 ('ops'): type: 'fax' is not one (known: smtp, webhook, "
         "wecom, dingtalk, feishu)"),
        (channel("ops", "webhook", url="ftp://x"),
         "[[notify.channels]] 1 ('ops'): url: expected an http:// or https:// URL"),
        (channel("ops", "webhook", url="http://x", secrett="A"),
         "[[notify.channels]] 1 ('ops'): unknown setting 'secrett' for a webhook channel "
         "(known: name, notices, park_after, retry_after, secret_env, timeout, type, url)"),
        (channel("ops", "wecom", url="http://x", secret_env="A"),
         "unknown setting 'secret_env' for a wecom channel"),
        (channel("mail", "smtp", host="h"), "[[notify.channels]] 1 ('mail'): from: missing"),
        (channel("mail", "smtp", host="h", from_="k@example.com", port=70000),
         "('mail'): port: must be at most 65535 (found 70000)"),
        (channel("mail", "smtp", host="h", from_="k@example.com", security="ssl"),
         "('mail'): security: expected 'starttls', 'tls' or 'none', found 'ssl'"),
        (channel("mail", "smtp", host="h", from_="k@example.com", username="k"),
         "('mail'): username and password_env go together (a login needs both)"),
        (channel("ops", "webhook", url="http://x", notices=["digest"]),
         "('ops'): notices: expected 'reminder' or 'overdue', found 'digest'"),
        (channel("ops", "webhook", url="http://x", secret_env="my secret"),
         "('ops'): secret_env: the name of an environment variable"),
        (channel("ops", "webhook", url="http://x") + channel("ops", "wecom", url="http://y"),
         "[[notify.channels]] 2: name: 'ops' names another channel already"),
        ('[notify.channels]\nname = "x"\n', "[notify] channels must be tables"),
    ],
)  # fmt: skip
def test_a_bad_channel_is_named_with_its_key(
    ws: Run, tmp_path: Path, written: str, said: str
) -> None:
    configure(tmp_path, written)
    result = ws("notify", "status", code=2)
    assert said in result.stderr and "kaflow.toml: " in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    ws("deadlines", code=2)  # every command reads the settings


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ({"park_after": 0}, "[notify] park_after must be a whole number from 1 to 100"),
        ({"retry_after": "soon"}, "[notify] retry_after: 'soon' is not an ISO 8601 duration"),
        ({"retry_after": "P2D"}, "[notify] retry_after: a duration from PT0S to P1D"),
        ({"retries": 3}, "unknown setting [notify] 'retries'"),
    ],
)
def test_bad_delivery_settings_are_named(
    ws: Run, tmp_path: Path, keys: dict[str, object], said: str
) -> None:
    configure(tmp_path, **keys)
    assert said in ws("notify", "status", code=2).stderr
