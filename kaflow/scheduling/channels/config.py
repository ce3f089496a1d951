"""``[notify]`` in kaflow.toml: the channels notices are delivered to, validated by
pydantic. Read only by a workspace that names channels (the others never import
pydantic's models at start-up). A bad channel is one line naming the channel and the key:

    kaflow.toml: [[notify.channels]] 2 ("ops"): url: expected an http(s):// URL
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from kaflow.clock import parse_duration
from kaflow.errors import WorkspaceError

PARK_AFTER = 5  # failures of one notice on one channel before it is parked
RETRY_AFTER = "PT1M"  # the first wait after a failure; doubled after each one
TIMEOUT = 10.0  # seconds a channel's server has to answer
CHANNEL_TYPES = ("smtp", "webhook", "wecom", "dingtalk", "feishu")

NoticeKind = Literal["reminder", "overdue"]
NOTICE_KINDS: tuple[NoticeKind, ...] = ("reminder", "overdue")  # what the scheduler tells
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _duration(value: str) -> str:
    try:
        found = parse_duration(value)
    except (ValueError, OverflowError) as e:
        raise ValueError(str(e)) from None
    if not timedelta(0) <= found <= timedelta(days=1):
        raise ValueError("a duration from PT0S to P1D")
    return value


class Channel(BaseModel):
    """What every channel has."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str
    type: str
    # The kinds of notice sent here (default: every notice).
    notices: tuple[NoticeKind, ...] = NOTICE_KINDS
    park_after: int | None = Field(default=None, ge=1, le=100)  # default: [notify]'s
    retry_after: str | None = None  # default: [notify]'s
    timeout: float = Field(default=TIMEOUT, gt=0, le=300)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError(
                "letters, digits and . _ - (at most 40), starting with a letter or digit"
            )
        return value

    @field_validator("retry_after")
    @classmethod
    def _retry_after(cls, value: str | None) -> str | None:
        return None if value is None else _duration(value)

    @field_validator("notices")
    @classmethod
    def _some(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(f"name at least one of {', '.join(NOTICE_KINDS)}")
        return tuple(dict.fromkeys(value))

    def env_names(self) -> list[str]:
        """The environment variables its secrets are read from."""
        return []


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV.fullmatch(value):
        raise ValueError("the name of an environment variable (letters, digits, _)")
    return value


def _url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        raise ValueError("expected an http:// or https:// URL")
    return value


class Smtp(Channel):
    type: Literal["smtp"]
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default: by security
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    from_: str = Field(alias="from", min_length=3)

    check_env = field_validator("password_env")(_env_name)

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str) -> str:
        if not re.fullmatch(r"(?:[^\r\n<>]*<)?[^\s@<>]+@[^\s@<>]+(?:>)?", value):
            raise ValueError("expected an e-mail address (or Name <address>)")
        return value

    @model_validator(mode="after")
    def _login(self) -> Smtp:
        if (self.username is None) != (self.password_env is None):
            raise ValueError("username and password_env go together (a login needs both)")
        return self

    def env_names(self) -> list[str]:
        return [self.password_env] if self.password_env else []

    @property
    def port_or_default(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


class Hook(Channel):
    """A channel that posts JSON to a URL."""

    url: str
    check_url = field_validator("url")(_url)


class Webhook(Hook):
    type: Literal["webhook"]
    secret_env: str | None = None  # HMAC-SHA256 of the body, in X-Kaflow-Signature
    check_env = field_validator("secret_env")(_env_name)

    def env_names(self) -> list[str]:
        return [self.secret_env] if self.secret_env else []


class WeCom(Hook):
    type: Literal["wecom"]  # 企业微信: its group bots do not sign


class DingTalk(Hook):
    type: Literal["dingtalk"]
    secret_env: str | None = None  # 加签: timestamp and sign in the query
    check_env = field_validator("secret_env")(_env_name)

    def env_names(self) -> list[str]:
        return [self.secret_env] if self.secret_env else []


class Feishu(Hook):
    type: Literal["feishu"]
    secret_env: str | None = None  # 签名校验: timestamp and sign in the body
    check_env = field_validator("secret_env")(_env_name)

    def env_names(self) -> list[str]:
        return [self.secret_env] if self.secret_env else []


MODELS: dict[str, type[Channel]] = {
    "smtp": Smtp,
    "webhook": Webhook,
    "wecom": WeCom,
    "dingtalk": DingTalk,
    "feishu": Feishu,
}
AnyChannel = Annotated[Smtp | Webhook | WeCom | DingTalk | Feishu, Field(discriminator="type")]
_CHANNEL: TypeAdapter[Any] = TypeAdapter(AnyChannel)


class NotifySettings(BaseModel):
    """``[notify]``, less the outbox (kaflow.settings reads that one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: tuple[AnyChannel, ...] = ()
    park_after: int = Field(default=PARK_AFTER, ge=1, le=100)
    retry_after: str = RETRY_AFTER

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def park_after_for(self, channel: Channel) -> int:
        return channel.park_after or self.park_after

    def retry_after_for(self, channel: Channel) -> timedelta:
        return parse_duration(channel.retry_after or self.retry_after)


KEYS = ("channels", "park_after", "retry_after")  # the [notify] keys read here


def parse(table: dict[str, object], path: str) -> NotifySettings:
    """``[notify]``'s channels and their delivery settings; a bad one is a
    ``WorkspaceError`` naming the channel and the key."""
    raw = table.get("channels", [])
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        raise WorkspaceError(f"{path}: [notify] channels must be tables ([[notify.channels]])")
    channels = [_channel(n, c, path) for n, c in enumerate(raw, 1)]
    seen: set[str] = set()
    for number, channel in enumerate(channels, 1):
        if channel.name in seen:
            raise WorkspaceError(
                f"{path}: [[notify.channels]] {number}: name: {channel.name!r} names another "
                "channel already; give each its own"
            )
        seen.add(channel.name)
    retry_after = table.get("retry_after", RETRY_AFTER)
    try:
        _duration(str(retry_after))
    except ValueError as e:
        raise WorkspaceError(f"{path}: [notify] retry_after: {e}") from None
    park_after = table.get("park_after", PARK_AFTER)
    if (
        not isinstance(park_after, int)
        or isinstance(park_after, bool)
        or not 1 <= park_after <= 100
    ):
        raise WorkspaceError(f"{path}: [notify] park_after must be a whole number from 1 to 100")
    return NotifySettings(
        channels=tuple(channels), park_after=park_after, retry_after=str(retry_after)
    )


def _channel(number: int, raw: dict[str, Any], path: str) -> Any:
    name = raw.get("name")
    where = f"{path}: [[notify.channels]] {number}" + (
        f" ({name!r})" if isinstance(name, str) else ""
    )
    kind = raw.get("type")
    if kind not in CHANNEL_TYPES:
        shown = "missing" if kind is None else f"{kind!r} is not one"
        raise WorkspaceError(f"{where}: type: {shown} (known: {', '.join(CHANNEL_TYPES)})")
    try:
        return _CHANNEL.validate_python(raw)
    except ValidationError as e:
        raise WorkspaceError(f"{where}: {_problem(e, kind)}") from None


def _problem(error: ValidationError, kind: str) -> str:
    from kaflow.application.validation import _message

    problem = error.errors()[0]
    loc = [str(p) for p in problem["loc"] if str(p) != kind and not isinstance(p, int)]
    key = "from" if loc[:1] == ["from_"] else ".".join(loc)
    if problem["type"] == "extra_forbidden":
        known = sorted(f.alias or n for n, f in MODELS[kind].model_fields.items())
        return f"unknown setting {key!r} for a {kind} channel (known: {', '.join(known)})"
    message = _message(problem)
    if problem["type"] == "value_error":
        message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}" if key else message
