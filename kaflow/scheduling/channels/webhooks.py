"""Channels that post JSON: a generic webhook, and the group bots of WeCom (企业微信),
DingTalk (钉钉) and Feishu (飞书) in their own formats.

Every post carries the idempotency key in an ``Idempotency-Key`` header; the generic
webhook's body carries it too (``idempotency_key``), and a group bot's text ends with it
(``ref kaflow:…``) so that people can tell a message sent again. A group bot posts to its
group and names the people a notice is for: by their handle on that service when they
have one (a mention), else by name. Signatures use the real time, as the services check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from kaflow import __version__
from kaflow.scheduling.channels import Message, Recipient, Sender, SendError, secret
from kaflow.scheduling.channels.config import Channel, DingTalk, Feishu, Hook, Webhook

SHOWN = 200  # characters of a refusing server's answer kept in the error


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected post would be sent again as a GET, without its body: a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> bytes:
    """POST ``body`` as JSON; the answer's body if the status is 2xx, else ``SendError``."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"kaflow/{__version__}",
            **headers,
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return bytes(answer.read(65536))
    except urllib.error.HTTPError as e:
        said = e.read(SHOWN).decode("utf-8", "replace").strip()
        raise SendError(f"HTTP {e.code} {e.reason}" + (f": {said}" if said else "")) from None
    except urllib.error.URLError as e:
        raise SendError(f"cannot reach {_host(url)}: {e.reason}") from None
    except (OSError, http.client.HTTPException) as e:
        raise SendError(f"cannot reach {_host(url)}: {e or type(e).__name__}") from None
    except ValueError as e:  # a URL that http.client cannot send (a space, a non-ASCII host)
        raise SendError(f"cannot post to {_host(url)}: {e}") from None


def _host(url: str) -> str:
    return url.split("//", 1)[-1].split("/", 1)[0].split("?", 1)[0]


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def signature(secret_text: str, body: bytes) -> str:
    """The generic webhook's ``X-Kaflow-Signature``: HMAC-SHA256 of the body, in hex."""
    return "sha256=" + hmac.new(secret_text.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret_text: str, timestamp: str) -> str:
    """DingTalk's sign: base64 of HMAC-SHA256 (key: the secret) of "{timestamp}\\n{secret}"
    (url-encoded where it goes in the query)."""
    digest = _hmac(secret_text.encode(), f"{timestamp}\n{secret_text}".encode())
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret_text: str, timestamp: str) -> str:
    """Feishu's sign: base64 of HMAC-SHA256 keyed with "{timestamp}\\n{secret}" of nothing."""
    return base64.b64encode(_hmac(f"{timestamp}\n{secret_text}".encode(), b"")).decode("ascii")


def text_for_group(message: Message, mention: Callable[[Recipient], str]) -> str:
    """A group bot's text: the subject, the sentence, whom it is for, the key."""
    lines = [message.subject, message.text]
    if message.recipients:
        lines.append("For: " + ", ".join(mention(r) for r in message.recipients))
    lines.append(f"ref {message.key}")
    return "\n".join(line for line in lines if line)


def handles(message: Message, service: str) -> list[str]:
    return [r.contacts[service] for r in message.recipients if r.contacts.get(service)]


class HookSender:
    """Posts one notice: ``build`` makes its URL, headers and body."""

    def __init__(self, channel: Hook, environ: Mapping[str, str]) -> None:
        self.channel, self.environ = channel, environ

    def send(self, message: Message) -> str | None:
        url, headers, body = self.build(message)
        headers = {"Idempotency-Key": message.key, **headers}
        self.check(post(url, body, headers, self.channel.timeout))
        return None

    def build(self, message: Message) -> tuple[str, dict[str, str], bytes]:
        raise NotImplementedError

    def check(self, answer: bytes) -> None:
        """A group bot answers 200 with an error code of its own when it refuses."""
        try:
            found = json.loads(answer or b"{}")
        except ValueError:
            raise SendError(f"unexpected answer: {answer[:SHOWN]!r}") from None
        if not isinstance(found, dict):
            return
        code = found.get("errcode", found.get("code", found.get("StatusCode", 0)))
        if code not in (0, None):
            said = found.get("errmsg", found.get("msg", found.get("StatusMessage", "")))
            raise SendError(f"{self.channel.type} refused it: {code} {said}".rstrip())


class WebhookSender(HookSender):
    channel: Webhook

    def build(self, message: Message) -> tuple[str, dict[str, str], bytes]:
        body = _json(
            {
                "idempotency_key": message.key,
                "channel": self.channel.name,
                "notice": message.notice,
                "recipients": [{"name": r.name, **r.contacts} for r in message.recipients],
            }
        )
        headers = {}
        key = secret(self.environ, self.channel.secret_env)
        if key is not None:
            headers["X-Kaflow-Signature"] = signature(key, body)
        return self.channel.url, headers, body

    def check(self, answer: bytes) -> None:
        """Any 2xx is taken: what a generic receiver answers is its own."""


class WeComSender(HookSender):
    def build(self, message: Message) -> tuple[str, dict[str, str], bytes]:
        text = text_for_group(message, lambda r: r.name)  # WeCom adds the @ mentions
        content = {"content": text, "mentioned_list": handles(message, "wecom")}
        return self.channel.url, {}, _json({"msgtype": "text", "text": content})


class DingTalkSender(HookSender):
    channel: DingTalk

    def build(self, message: Message) -> tuple[str, dict[str, str], bytes]:
        def mention(r: Recipient) -> str:
            return f"@{r.contacts['dingtalk']}" if r.contacts.get("dingtalk") else r.name

        body = {
            "msgtype": "text",
            "text": {"content": text_for_group(message, mention)},
            "at": {"atUserIds": handles(message, "dingtalk"), "isAtAll": False},
        }
        url = self.channel.url
        key = secret(self.environ, self.channel.secret_env)
        if key is not None:
            stamp = str(int(time.time() * 1000))  # milliseconds
            query = urlencode({"timestamp": stamp, "sign": dingtalk_sign(key, stamp)})
            url += ("&" if "?" in url else "?") + query
        return url, {}, _json(body)


class FeishuSender(HookSender):
    channel: Feishu

    def build(self, message: Message) -> tuple[str, dict[str, str], bytes]:
        def mention(r: Recipient) -> str:
            found = r.contacts.get("feishu")
            return f'<at user_id="{found}">{r.name}</at>' if found else r.name

        body: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": text_for_group(message, mention)},
        }
        key = secret(self.environ, self.channel.secret_env)
        if key is not None:
            stamp = str(int(time.time()))  # seconds
            body.update(timestamp=stamp, sign=feishu_sign(key, stamp))
        return self.channel.url, {}, _json(body)


SENDERS: dict[str, type[HookSender]] = {
    "webhook": WebhookSender,
    "wecom": WeComSender,
    "dingtalk": DingTalkSender,
    "feishu": FeishuSender,
}


def hook_sender(channel: Channel, environ: Mapping[str, str]) -> Sender:
    assert isinstance(channel, Hook)
    return SENDERS[channel.type](channel, environ)
