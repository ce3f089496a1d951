"""Erasing personal data on request: the data keys destroyed (of an account, or of one
person's data in every account), each account's erasure recorded on it first, without
the data. The sealing itself is ``kaflow.application.privacy``'s."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from kaflow.application.actor import Actor
from kaflow.application.keeping import RETRIES
from kaflow.application.service import Kaflow
from kaflow.errors import BadInputError, ConflictError, WorkspaceError, field


def erase_personal_data(
    app: Kaflow, actor: Actor, prospect_id: UUID | None, reason: str, person: str | None = None
) -> dict[str, Any]:
    """Destroy an account's data keys, or (``person``) the keys of that person's data
    in every account (an owner only): every personal field they sealed reads
    ``[erased]`` from now on. Each account's erasure is recorded on it first, without
    the data (a person by pseudonym). What was erased."""
    if not reason.strip():
        raise BadInputError(f"{field('reason')}: say why", field="reason")
    keyring = app.keyring
    if keyring is None:
        raise WorkspaceError("this application keeps no personal data sealed")
    app.authorise(actor, "erase_personal_data")
    if person is not None:
        if not person.strip():
            raise BadInputError(f"{field('person')}: name the person", field="person")
        accounts = keyring.holding(person)
        pseudonym = keyring.person(person)
    else:
        assert prospect_id is not None
        app.get_prospect(prospect_id)  # there, or not found
        accounts, pseudonym = [prospect_id], ""
    for account in accounts:
        _record_erasure(app, actor, account, reason.strip(), pseudonym)
    count = keyring.erase_person(person) if person is not None else keyring.erase(accounts[0])
    return {"accounts": [str(a) for a in accounts], "keys_destroyed": count}


def _record_erasure(app: Kaflow, actor: Actor, prospect_id: UUID, reason: str, person: str) -> None:
    for _ in range(RETRIES):
        prospect = app.get_prospect(prospect_id)
        directory = app.directory()
        now = app.now()
        role = app.authorise(actor, "erase_personal_data", directory, now)
        name = directory.canonical(actor.name)
        prospect.erase_personal_data(reason, person, actor=name, actor_role=role, occurred_at=now)
        if app._save(prospect):
            return
    raise ConflictError("the account kept changing under this command; nothing was erased")
