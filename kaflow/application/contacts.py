"""Where users are told of notices: an e-mail address and their handles on the group bots
(WeCom, DingTalk, Feishu), kept in the user directory as events. A user changes their
own; an owner anyone's."""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic_core import PydanticCustomError
from pydantic_core import core_schema as cs

from kaflow.aggregates.directory import CONTACTS
from kaflow.application.actor import Actor
from kaflow.application.commands import Command
from kaflow.application.names import UserName
from kaflow.application.saving import save
from kaflow.application.service import RETRIES, Kaflow
from kaflow.errors import BadInputError, ConflictError, field

# One address, as a mail header may carry it: no spaces, no line breaks, no angle
# brackets or commas (a second address smuggled in), one @ with a dot after it.
_EMAIL = re.compile(r"[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+\.[^\s@<>,;:\"()\[\]\\]+")
_HANDLE = re.compile(r"[^\s<>\"&\\]+")  # an id on an IM service: no spaces, no markup


def _email(value: str) -> str:
    if value and not _EMAIL.fullmatch(value):
        raise PydanticCustomError("email", "expected an e-mail address such as mia@example.com")
    return value


def _handle(value: str) -> str:
    if value and not _HANDLE.fullmatch(value):
        raise PydanticCustomError("handle", "an id without spaces, quotes or < > & \\")
    return value


_TEXT = cs.str_schema(strip_whitespace=True, max_length=200)
Email = Annotated[
    str | None, cs.nullable_schema(cs.no_info_after_validator_function(_email, _TEXT))
]
Handle = Annotated[
    str | None, cs.nullable_schema(cs.no_info_after_validator_function(_handle, _TEXT))
]


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ChangeContacts(Command):
    """A user's contacts: each one given is set (empty: removed), the others kept."""

    name: UserName
    email: Email = None
    wecom: Handle = None
    dingtalk: Handle = None
    feishu: Handle = None

    def changes(self) -> dict[str, str]:
        return {k: v for k in CONTACTS if (v := getattr(self, k)) is not None}


class Contacts:
    """Users' contacts in the directory; with ``credentials``, also the language of
    their pages (a preference kept beside the log)."""

    def __init__(self, app: Kaflow, credentials: Any = None) -> None:
        self.app = app
        self.credentials = credentials

    def edit(self, actor: Actor, cmd: ChangeContacts, language: str | None) -> dict[str, Any]:
        """``kaflow user edit``: the contacts given changed (recorded in the directory),
        and the language if given; the user, their contacts and language now."""
        if language is None and not cmd.changes():
            names = [*CONTACTS, *(["language"] if self.credentials is not None else [])]
            raise BadInputError(
                f"give at least one of {', '.join(field(k) for k in names)}", field="email"
            )
        data = self.change(actor, cmd) if cmd.changes() else self.of(actor, cmd.name)
        if self.credentials is not None:
            if language is not None:
                chosen = self.credentials.set_language(actor, data["name"], language)
                data["language"] = chosen["language"]
            else:
                data["language"] = self.credentials.language_of(data["name"])
        return data

    def change(self, actor: Actor, cmd: ChangeContacts) -> dict[str, Any]:
        """Change a user's contacts; the user, as added, and their contacts now."""
        changes = cmd.changes()
        if not changes:
            raise BadInputError(
                f"give at least one of {', '.join(field(k) for k in CONTACTS)}", field="email"
            )
        for _ in range(RETRIES):
            directory = self.app._load_directory()
            now = self.app.now()
            by = directory.canonical(actor.name)
            user = directory.canonical(cmd.name)
            action = "read" if user == by else "edit_contacts"
            role = self.app.authorise(actor, action, directory, now)
            held = self._shown(directory.contacts_of(user))
            if all(held.get(k, "") == v for k, v in changes.items()):
                raise BadInputError(
                    f"{user}'s contacts are so already; nothing to change", field="email"
                )
            contacts = directory.set_contacts(user, self._sealed(user, changes), by, role)
            if save(self.app, directory):
                return {"name": user, "contacts": self._shown(contacts)}
        raise ConflictError("the user directory kept changing under this command; retry")

    def of(self, actor: Actor, name: str) -> dict[str, Any]:
        """A user's contacts (any user may read them, as they read users)."""
        self.app.authorise(actor)
        directory = self.app.directory()
        user = directory.canonical(name)
        return {"name": user, "contacts": self._shown(directory.contacts_of(user))}

    def _sealed(self, user: str, changes: dict[str, str]) -> dict[str, str]:
        """A user's contacts are personal data: sealed like an account's, under a key of
        the user's own (kaflow.application.privacy)."""
        keyring = self.app.keyring
        if keyring is None:
            return changes
        seal = keyring.sealer(subject(user))
        return {k: seal(v) for k, v in changes.items()}

    def _shown(self, contacts: dict[str, str]) -> dict[str, str]:
        keyring = self.app.keyring
        return contacts if keyring is None else dict(keyring.reveal(contacts))


def subject(user: str) -> UUID:
    """The key a user's own personal data is sealed under is found by this id."""
    return uuid5(NAMESPACE_URL, f"kaflow:user:{user}")
