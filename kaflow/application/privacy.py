"""Personal data, sealed and erasable (docs/privacy.md).

The fields that hold personal information are declared here, in one place: each
decision maker's personality, pressures and interests (the analysis, R2), and the
customer data gathered for a visit (R8). Before a step is recorded, each is sealed with
AES-256-GCM under a data key of the account's own, itself kept wrapped by the workspace's
master key (a file outside the store, or ``KAFLOW_MASTER_KEY``). The log, its snapshots
and the views hold the sealed text only; every read reveals it for the user asking.
Erasing an account's personal data destroys its data key: from then on each sealed field
reads ``[erased]``, wherever it is, while the log stays whole (and verifiable)."""

from __future__ import annotations

import base64
import os
import re
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

from kaflow.errors import UnavailableError

# Declared personal fields: the command's field, and within it the parts that are.
PERSONAL = {
    "PrepareMaterial": ("customer_data",),
    "CorrectEntry": ("value, where it corrects a material entry's customer data",),
    "ChangeContacts": ("email", "wecom", "dingtalk", "feishu"),  # a user's, under their key
    "AnalyseProspect": (
        "analysis.decision_makers[].personality",
        "analysis.decision_makers[].pressures",
        "analysis.decision_makers[].interests",
    ),
}
ERASED = "[erased]"
KEY_FILE = "kaflow.key"
ENV = "KAFLOW_MASTER_KEY"
# key id : scope (the account, or the account and a person in it) : the sealed text
SEALED = re.compile(
    r"⟦sealed:v1:([0-9a-f]{32}):([0-9a-f]{32}(?::[0-9a-f]{16})?):([A-Za-z0-9_=-]+)⟧"
)


def master_key(root: str, create: bool = False) -> bytes:
    """The workspace's master key: ``KAFLOW_MASTER_KEY`` (32 bytes, base64), else the
    key file in the workspace (made, readable by its owner only, if ``create``)."""
    text = os.environ.get(ENV)
    path = Path(root) / KEY_FILE
    if text is None and path.exists():
        text = path.read_text(encoding="ascii").strip()
    if text is None:
        if not create:
            raise UnavailableError(
                f"no master key: {path} is missing and {ENV} is not set; the personal data "
                "sealed under it cannot be read (restore the key file from its backup)"
            )
        key = os.urandom(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as f:
            f.write(base64.urlsafe_b64encode(key).decode("ascii") + "\n")
        return key
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UnavailableError(f"the master key ({ENV} or {path}) is not 32 bytes in base64")
    return key


def master_key_file(root: str) -> str | None:
    """The master key's file, if the key is kept in one (not in ``KAFLOW_MASTER_KEY``)."""
    path = Path(root) / KEY_FILE
    return str(path) if ENV not in os.environ and path.exists() else None


def key_from_file(path: str, create: bool = False) -> bytes:
    """A master key kept in ``path`` (made there, readable by its owner only, if
    ``create`` and it is missing)."""
    file = Path(path)
    if not file.exists() and create:
        key = os.urandom(32)
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as f:
            f.write(base64.urlsafe_b64encode(key).decode("ascii") + "\n")
        return key
    try:
        key = base64.urlsafe_b64decode(file.read_text(encoding="ascii").strip().encode("ascii"))
    except (OSError, ValueError) as e:
        raise UnavailableError(f"cannot read the master key in {path}: {e}") from None
    if len(key) != 32:
        raise UnavailableError(f"{path} does not hold a master key (32 bytes in base64)")
    return key


def rewrapper(old: bytes, new: bytes) -> Any:
    """Re-wraps a data key wrapped by the master key ``old`` with ``new`` (a store copied
    to where another master key is kept): (key id, account, wrapped) -> wrapped anew."""
    keyring, fresh = Keyring(None, lambda: old), Keyring(None, lambda: new)

    def rewrap(key_id: str, account: str, wrapped: bytes) -> bytes:
        return fresh._wrap(key_id, account, keyring._unwrap(key_id, account, wrapped))

    return rewrap


class Keyring:
    """Seals and reveals the personal fields of accounts, each under a data key of its
    account's own."""

    def __init__(self, keys: Any, master: Any) -> None:
        self.keys = keys  # kaflow.storage.keys.KeyStore
        self._master = master  # a callable giving the master key (read when first needed)
        self._open_keys: dict[str, bytes] = {}  # key id -> the data key, in memory only
        self._lock = threading.Lock()

    def _aead(self, key: bytes) -> Any:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(key)

    def _wrap(self, key_id: str, account: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        aad = f"{key_id}:{account}".encode()
        return nonce + bytes(self._aead(self._master()).encrypt(nonce, key, aad))

    def _unwrap(self, key_id: str, account: str, wrapped: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        aad = f"{key_id}:{account}".encode()
        try:
            return bytes(self._aead(self._master()).decrypt(wrapped[:12], wrapped[12:], aad))
        except InvalidTag:
            raise UnavailableError(
                "the personal data cannot be read: the master key is not the one it was "
                f"sealed under ({ENV} or {KEY_FILE}; restore the right key from its backup)"
            ) from None

    def forget_unrecorded(self) -> None:
        """Keys made for a command that was not recorded (refused, or lost a race) are
        never written: a key is stored only with the data sealed under it."""
        forget = getattr(self.keys, "forget_pending", None)
        if forget is not None:
            forget()

    def _current(self, scope: str) -> tuple[str, bytes]:
        """The data key in use for ``scope`` (an account, or a person in an account),
        made if it has none (or had its erased)."""
        found = self.keys.current(scope)
        if found is None:
            key_id, key = os.urandom(16).hex(), os.urandom(32)
            self.keys.add(key_id, scope, self._wrap(key_id, scope, key))
            found = self.keys.current(scope)  # another writer's, if it came first
        key_id, wrapped = found
        return key_id, self._key(key_id, scope, wrapped)

    def person(self, name: str) -> str:
        """A person's pseudonym: the same for the same name (any case or spacing) in every
        account, and nothing anyone without the master key can compute from a name."""
        import hashlib
        import hmac

        plain = "".join(name.split()).casefold()
        digest = hmac.new(self._master(), f"kaflow:person:{plain}".encode(), hashlib.sha256)
        return digest.hexdigest()[:16]

    def _key(self, key_id: str, account: str, wrapped: bytes) -> bytes:
        with self._lock:
            key = self._open_keys.get(key_id)
        if key is None:
            key = self._unwrap(key_id, account, wrapped)
            with self._lock:
                self._open_keys[key_id] = key
        return key

    def seal(self, account: UUID, text: str) -> str:
        """``text`` sealed under the account's key (empty text, or text sealed already,
        as it is)."""
        sealed: str = self.sealer(account)(text)
        return sealed

    def sealer(self, account: UUID, person: str | None = None) -> Any:
        """Seals texts of one command under the account's key (or, given a person named
        in it, under the key of that person in that account), looked up once."""
        found: list[tuple[str, bytes]] = []
        scope = account.hex if person is None else f"{account.hex}:{self.person(person)}"

        def seal(text: str) -> str:
            if not text or SEALED.search(text):
                return text
            if not found:
                found.append(self._current(scope))
            return self._sealed(account, scope, *found[0], text)

        return seal

    def _sealed(self, account: UUID, scope: str, key_id: str, key: bytes, text: str) -> str:
        nonce = os.urandom(12)
        box = nonce + self._aead(key).encrypt(nonce, text.encode("utf-8"), account.bytes)
        token = base64.urlsafe_b64encode(box).decode("ascii")
        return f"⟦sealed:v1:{key_id}:{scope}:{token}⟧"

    def reveal(self, value: Any) -> Any:
        """``value`` (text, or lists and dicts of them) with every sealed field opened,
        or ``[erased]`` where its account's key was destroyed."""
        if isinstance(value, str):
            return SEALED.sub(self._open, value) if "⟦sealed:" in value else value
        if isinstance(value, dict):
            return {k: self.reveal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.reveal(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.reveal(v) for v in value)
        return value

    def _open(self, match: re.Match[str]) -> str:
        key_id, scope, token = match.groups()
        with self._lock:
            key = self._open_keys.get(key_id)
        if key is None:
            wrapped = self.keys.get(key_id)
            if wrapped is None:
                return ERASED
            key = self._key(key_id, scope, wrapped)
        box = base64.urlsafe_b64decode(token)
        opened: bytes = self._aead(key).decrypt(box[:12], box[12:], UUID(scope[:32]).bytes)
        return opened.decode("utf-8")

    def erase(self, account: UUID) -> int:
        """Destroy the account's keys (its people's too): how many it had."""
        count: int = self.keys.erase(account.hex)
        with self._lock:
            self._open_keys.clear()  # what was opened is forgotten too
        return count

    def holding(self, person: str, erased: bool = False) -> list[UUID]:
        """The accounts holding a person's data under a key not erased (or: ever)."""
        return [UUID(a) for a in self.keys.holding(self.person(person), erased)]

    def erase_person(self, person: str) -> int:
        """Destroy the keys of a person's data in every account: how many there were."""
        count: int = self.keys.erase_person(self.person(person))
        with self._lock:
            self._open_keys.clear()
        return count


def seal_command(keyring: Keyring, account: UUID, cmd: Any) -> Any:
    """``cmd`` with its declared personal fields sealed."""
    import dataclasses

    name = type(cmd).__name__
    seal = keyring.sealer(account)
    if name == "PrepareMaterial":
        return dataclasses.replace(cmd, customer_data=seal(cmd.customer_data))
    if name == "CorrectEntry" and cmd.field.lower().replace("-", "_") == "customer_data":
        return dataclasses.replace(cmd, value=seal(cmd.value))
    if name == "AnalyseProspect":
        makers = []
        for dm in cmd.analysis.decision_makers:  # each under the key of that person here
            theirs = keyring.sealer(account, dm.name)
            fields = ("personality", "pressures", "interests")
            makers.append(dm.model_copy(update={f: theirs(getattr(dm, f)) for f in fields}))
        analysis = cmd.analysis.model_copy(update={"decision_makers": makers})
        return dataclasses.replace(cmd, analysis=analysis)
    return cmd


def sealed_in(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(where, sealed text) of every sealed field within ``value``."""
    if isinstance(value, str):
        return [(path, value)] if "⟦sealed:" in value else []
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in sealed_in(v, f"{path}.{k}".lstrip("."))]
    if isinstance(value, list | tuple):
        return [f for n, v in enumerate(value) for f in sealed_in(v, f"{path}[{n}]")]
    return []
