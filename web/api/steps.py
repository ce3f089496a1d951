"""``POST /api/v1/accounts/{id}/STEP``: each step of the procedure, and the commands that
keep the record and the account. A body's fields are the CLI options' names (``at``
for when it happened); the acting user is the authenticated one. ``If-Match`` (an ETag
read before) makes a stale step 412; an ``Idempotency-Key`` records a retried step once.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import inspect
import json
import typing
from collections.abc import Callable
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from kaflow.application import commands as c
from kaflow.application.requests import Idempotency, handle_at_version
from kaflow.application.step_commands import EVERY
from kaflow.errors import BadInputError
from web.api.accounts import etag
from web.auth import Caller, Writer, services_of

router = APIRouter(prefix="/accounts", tags=["steps"])

STEPS = EVERY  # the route's name -> the command
_OWN = {"prospect_id", "occurred_at"}


def _body_type(hint: Any) -> Any:
    """A command field's type as a request body states it (the command validates it)."""
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args and typing.get_origin(hint) is not list:
        return _body_type(args[0]) | None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return Literal[tuple(m.value for m in hint)]
    if typing.get_origin(hint) is list:
        return list[str] | str
    if hint is UUID:
        return str
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return dict[str, Any]
    return hint


def body_model(command: type[c.ProspectCommand]) -> type[BaseModel]:
    """The body of a step: the command's fields less the account, with ``at``."""
    hints = typing.get_type_hints(command, include_extras=True)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(command):
        if f.name in _OWN:
            continue
        required = f.default is dataclasses.MISSING
        fields[f.name] = (_body_type(hints[f.name]), ... if required else f.default)
    fields["at"] = (str | None, Field(None, description="when it happened (default: now)"))
    model: type[BaseModel] = create_model(
        f"{command.__name__}Body", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def version_of(if_match: str | None) -> int | None:
    """The version an If-Match names (``"7"``); ``*`` or none: any."""
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise BadInputError("If-Match: give the account's ETag, as read", field="version")
    return int(text)


def run_step(
    request: Request,
    caller: Caller,
    name: str,
    account: str,
    body: BaseModel,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    services = services_of(request)
    actor = caller.actor
    pid = services.queries.account_id(actor, account)
    fields = body.model_dump(exclude_none=True)
    at = fields.pop("at", None)
    cmd = STEPS[name].validate(
        {**fields, "prospect_id": pid, "occurred_at": services.queries.moment(at, "occurred_at")}
    )
    version = version_of(if_match)

    def act() -> dict[str, Any]:
        if version is None:
            saved = services.app.handle(actor, cmd)
        else:
            saved = handle_at_version(services.app, actor, cmd, version)
        return services.queries.saved(saved)

    if key is None:
        data = act()
        return JSONResponse(data, headers={"ETag": etag(data["version"])})
    seen = json.dumps([name, str(pid), fields, at, version], sort_keys=True, default=str)
    idempotency = Idempotency(services.app, services.credentials.tables)
    user = services.app.directory().canonical(actor.name)
    kept = idempotency.begin(user, key, hashlib.sha256(seen.encode()).hexdigest())
    if kept is not None:
        data = json.loads(kept[1])
        headers = {"ETag": etag(data["version"]), "Idempotent-Replayed": "true"}
        return JSONResponse(data, status_code=kept[0], headers=headers)
    try:
        data = act()
    except BaseException:
        idempotency.give_up(user, key)
        raise
    idempotency.finish(user, key, 200, json.dumps(data))
    return JSONResponse(data, headers={"ETag": etag(data["version"])})


def _endpoint(name: str, model: type[BaseModel]) -> Callable[..., JSONResponse]:
    def endpoint(
        request: Request,
        caller: Writer,
        account: str,
        body: Any,
        if_match: str | None = Header(None, description="the account's ETag, as read"),
        idempotency_key: str | None = Header(None, description="records a retry once"),
    ) -> JSONResponse:
        return run_step(request, caller, name, account, body, if_match, idempotency_key)

    signature = inspect.signature(endpoint)
    hints = typing.get_type_hints(endpoint, include_extras=True)
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=model if p.name == "body" else hints[p.name])
            for p in signature.parameters.values()
        ]
    )
    return endpoint


for _name, _command in STEPS.items():
    router.add_api_route(
        f"/{{account}}/{_name}",
        _endpoint(_name, body_model(_command)),
        methods=["POST"],
        name=f"step_{_name.replace('-', '_')}",
        summary=f"{_name}: {_command.__name__}",
    )
