"""``/api/v1/users`` and ``/api/v1/tokens``: users and their roles, passwords, and the
caller's own API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from kaflow.application import commands as c
from web.auth import Reader, Writer, services_of

router = APIRouter(tags=["users and tokens"])


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: str
    since: str | None = None


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    since: str | None = None


class Password(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str


class UserEdit(BaseModel):
    """What ``kaflow user edit`` sets: each field given is set ('' removes it)."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = None
    wecom: str | None = None
    dingtalk: str | None = None
    feishu: str | None = None
    language: str | None = None


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="what the token is for")
    expires: str | None = Field(None, description="valid for this long (ISO 8601: P90D)")
    read_only: bool = False


@router.get("/users")
def users(request: Request, caller: Reader) -> list[Any]:
    return list(services_of(request).queries.users(caller.actor))


@router.get("/users/{name}")
def user(request: Request, caller: Reader, name: str) -> dict[str, Any]:
    services = services_of(request)
    found = services.queries.user(caller.actor, name)
    roles = services.people.timeline(caller.actor, found["name"])
    return {**found, "roles": roles, "language": services.credentials.language_of(found["name"])}


@router.post("/users", status_code=201)
def add_user(request: Request, caller: Writer, body: NewUser) -> dict[str, Any]:
    """Add a user with a role (an owner)."""
    services = services_of(request)
    since = services.queries.moment(body.since, "effective_from")
    cmd = c.AddUser.validate({"name": body.name, "role": body.role, "effective_from": since})
    services.app.add_user(caller.actor, cmd)
    return dict(services.queries.user(caller.actor, cmd.name))


@router.post("/users/{name}/role")
def change_role(request: Request, caller: Writer, name: str, body: RoleChange) -> dict[str, Any]:
    """Change a user's role from a date (an owner)."""
    services = services_of(request)
    since = services.queries.moment(body.since, "effective_from")
    cmd = c.ChangeRole.validate({"name": name, "role": body.role, "effective_from": since})
    services.app.change_role(caller.actor, cmd)
    return dict(services.queries.user(caller.actor, cmd.name))


@router.patch("/users/{name}")
def edit_user(request: Request, caller: Writer, name: str, body: UserEdit) -> dict[str, Any]:
    """Where a user is told of notices (e-mail, WeCom, DingTalk, Feishu) and the
    language of their pages: one's own, or (an owner) anyone's."""
    from kaflow.application.contacts import ChangeContacts

    given = body.model_dump(exclude={"language"})
    cmd = ChangeContacts.validate({"name": name, **given})
    return services_of(request).contacts.edit(caller.actor, cmd, body.language)


@router.put("/users/{name}/password")
def set_password(request: Request, caller: Writer, name: str, body: Password) -> dict[str, Any]:
    """Set a password: one's own, or (an owner) anyone's; their sessions end."""
    who = services_of(request).credentials.set_password(caller.actor, name, body.password)
    return {"name": who, "password_set": True}


@router.get("/tokens")
def tokens(request: Request, caller: Reader, all: bool = False) -> list[dict[str, Any]]:
    """The caller's tokens (``all``: everyone's, for an owner); never the secrets."""
    return services_of(request).credentials.tokens(caller.actor, all)


@router.post("/tokens", status_code=201)
def create_token(request: Request, caller: Writer, body: NewToken) -> dict[str, Any]:
    """A token for the caller, shown in this answer only."""
    credentials = services_of(request).credentials
    return credentials.issue_token(caller.actor, body.name, body.expires, body.read_only)


@router.delete("/tokens/{token_id}")
def revoke_token(request: Request, caller: Writer, token_id: str) -> dict[str, Any]:
    """Revoke a token (one's own; an owner anyone's)."""
    return services_of(request).credentials.revoke_token(caller.actor, token_id)
