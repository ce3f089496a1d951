"""A history anyone can verify (docs/audit.md): the signing key, checkpoints, and the
check of the log against its chain and every checkpoint.

``verify`` answers with the first position where the log fails and what it looks like:
an event altered (its contents, topic, aggregate or version), reordered, inserted or
deleted; the chain's link rewritten; the log truncated after a checkpoint; a checkpoint
whose signature is forged or made by a key that is not the workspace's; or the log
rewritten, chain and all, before a checkpoint.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from typing import Any

from kaflow.application.actor import Actor
from kaflow.application.service import Kaflow
from kaflow.clock import parse_duration
from kaflow.errors import BadInputError, NotFoundError, WorkspaceError, field, step

DEFAULT_KEY_FILE = "kaflow-audit.key"


class Audit:
    def __init__(
        self,
        app: Kaflow,
        root: str,
        signing_key: str | None,
        seal_every: str = "P1D",
        configure: Any = None,
    ) -> None:
        from kaflow.projections.db import engine_of
        from kaflow.storage.audit import Log

        self.app = app
        self.root = root
        self.signing_key = signing_key  # the key file's path as kaflow.toml names it
        self.seal_every = seal_every
        self._configure = configure  # names the key file in kaflow.toml
        self.engine = engine_of(app)
        if self.engine == "memory":
            raise WorkspaceError("memory:// keeps no log to verify")
        self.log = Log(app.recorder, self.engine)

    def _key_path(self, name: str | None = None) -> str:
        path = os.path.expanduser(name or self.signing_key or DEFAULT_KEY_FILE)
        return path if os.path.isabs(path) else os.path.join(self.root, path)

    def _private_key(self) -> bytes:
        if self.signing_key is None:
            raise WorkspaceError(
                f"no signing key: make one with {step('audit_keygen')} (an owner)",
            )
        path = self._key_path()
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise WorkspaceError(
                f"cannot read the signing key {path} ([audit] signing_key in kaflow.toml): "
                f"{e.strerror}"
            ) from None

    # -- commands ---------------------------------------------------------------------

    def keygen(self, actor: Actor, path: str | None = None) -> dict[str, Any]:
        """Make the workspace's Ed25519 signing key (an owner): a file outside the store,
        readable by its owner only, named in kaflow.toml; its public key kept in the
        store. A workspace keeps the key it has."""
        from kaflow.storage.audit import new_key, public_key_of

        self.app.authorise(actor, "audit")
        if self.signing_key is not None:
            raise BadInputError(
                f"this workspace signs with {self._key_path()} already ([audit] signing_key "
                "in kaflow.toml); checkpoints signed with another key would not verify "
                "against it",
                field="output",
            )
        target = self._key_path(path)
        pem = new_key()
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise BadInputError(
                f"{field('output')}: {target} exists already; name another file", field="output"
            ) from None
        except OSError as e:
            raise WorkspaceError(f"cannot write {target}: {e.strerror}") from None
        with os.fdopen(descriptor, "wb") as f:
            f.write(pem)
        public = public_key_of(pem)
        self.log.add_key(public, self.app.now())
        shown = path or DEFAULT_KEY_FILE
        if self._configure is not None:
            self._configure(shown)
        self.signing_key = shown
        return {"key_file": target, "public_key": public}

    def seal(self, actor: Actor | None, now: datetime | None = None) -> dict[str, Any]:
        """Sign the chain's last link and keep the checkpoint (an owner, or the
        scheduler: ``actor`` None)."""
        from kaflow.storage.audit import public_key_of, sign

        if actor is not None:
            self.app.authorise(actor, "audit")
        pem = self._private_key()
        public = public_key_of(pem)
        if public not in {k for k, _ in self.log.public_keys()}:
            raise WorkspaceError(
                f"the signing key {self._key_path()} is not one this store knows: it was "
                "made for another workspace"
            )
        chained = self.log.catch_up()
        position, link = self.log.head()
        point = sign(pem, position, link, now or self.app.now())
        self.log.add_checkpoint(point)
        return {**point.as_dict(), "chained_now": chained}

    def seal_if_due(self, now: datetime) -> dict[str, Any] | None:
        """The scheduler's seal: when a signing key is named and the last checkpoint is
        older than ``seal_every`` (default a day); None otherwise."""
        if self.signing_key is None:
            return None
        points = self.log.stored_checkpoints()
        if points:
            last = max(datetime.fromisoformat(p.at) for p in points)
            if now - last < parse_duration(self.seal_every):
                return None
        return self.seal(None, now)

    # -- reads ----------------------------------------------------------------------

    def latest(self, actor: Actor) -> dict[str, Any]:
        """The latest checkpoint, to keep apart from the store."""
        self.app.authorise(actor)
        points = self.log.stored_checkpoints()
        if not points:
            raise NotFoundError(f"no checkpoint yet: sign one with {step('audit_seal')}")
        latest = max(points, key=lambda p: (p.at, p.position))
        return latest.as_dict()

    def stamp(self) -> dict[str, Any]:
        """Where the log stands now: its last position and the chain's link there (what
        a report read at this moment can be checked against later)."""
        position, link = self.log.head()
        return {"position": position, "chain": link.hex() if position else None}

    def verify(
        self, actor: Actor, checkpoint: str | None = None, progress: Any = None
    ) -> dict[str, Any]:
        """The log checked against its chain, the stored checkpoints and ``checkpoint``
        (a checkpoint file's text): ``intact``, or the first problem found."""
        from kaflow.errors import KaflowError
        from kaflow.storage.audit import Checkpoint, public_key_of, read_checkpoint

        try:
            self.app.authorise(actor)
        except KaflowError:
            raise
        except Exception:
            # The user directory cannot be read back: the log is damaged where it is
            # kept. Saying where is exactly what is needed, and reveals no one's data.
            pass
        given: Checkpoint | None = None
        if checkpoint is not None:
            try:
                given = read_checkpoint(checkpoint)
            except (ValueError, KeyError, TypeError) as e:
                raise BadInputError(
                    f"{field('checkpoint')}: not a kaflow checkpoint ({e})", field="checkpoint"
                ) from None
        known = {k for k, _ in self.log.public_keys()}
        if self.signing_key is not None:
            with contextlib.suppress(WorkspaceError, ValueError):
                known.add(public_key_of(self._private_key()))
        stored = self.log.stored_checkpoints()
        points = [(p, "stored") for p in stored] + ([(given, "given")] if given else [])
        wanted = {p.position for p, _ in points}
        walked, links = self.log.walk(wanted, progress)
        problems: list[dict[str, Any]] = []
        if walked.broken is not None:
            b = walked.broken
            if b.position == 1 and walked.count == 0 and self.log.head()[0] == 0:
                problems.append(
                    {
                        "position": 1,
                        "kind": "unchained",
                        "detail": "the log has no chain yet (it was made before kaflow "
                        "chained its events): sealing a checkpoint chains and signs it",
                    }
                )
            else:
                problems.append({"position": b.position, "kind": b.kind, "detail": b.detail})
        checked = []
        for point, source in points:
            found = _check(point, known, walked, links)
            checked.append({"source": source, "position": point.position, "at": point.at, **found})
            if found["problem"] is not None:
                problems.append({"position": point.position, **found["problem"]})
        problems.sort(key=lambda p: p["position"])
        return {
            "intact": not problems,
            "events": walked.count,
            "position": walked.position,
            "chain": walked.hash.hex() if walked.position else None,
            "checkpoints": checked,
            "problem": problems[0] if problems else None,
            "problems": problems,
        }


def _check(point: Any, known: set[str], walked: Any, links: dict[int, bytes]) -> dict[str, Any]:
    """One checkpoint against the log as walked."""
    if not point.signed_by():
        return {"ok": False, "problem": {
            "kind": "forged signature",
            "detail": f"the checkpoint of {point.at} (position {point.position}) is not "
            "signed by the key it names",
        }}  # fmt: skip
    if point.public_key not in known:
        return {"ok": False, "problem": {
            "kind": "foreign signature",
            "detail": f"the checkpoint of {point.at} is signed by a key that is not this "
            "workspace's",
        }}  # fmt: skip
    if point.position == 0:
        return {"ok": True, "problem": None}
    if walked.broken is not None and point.position >= walked.broken.position:
        return {"ok": None, "problem": None}  # not reached: the log broke before it
    if point.position > walked.position:
        return {"ok": False, "problem": {
            "kind": "truncated",
            "detail": f"the log ends at position {walked.position}, but the checkpoint of "
            f"{point.at} signed it up to position {point.position}",
        }}  # fmt: skip
    link = links.get(point.position)
    if link is None or link.hex() != point.hash:
        return {"ok": False, "problem": {
            "kind": "rewritten",
            "detail": f"the log up to position {point.position} is not the one signed at "
            f"{point.at}: rewritten at or before it (its chain recomputed)",
        }}  # fmt: skip
    return {"ok": True, "problem": None}


def read_at(app: Kaflow, position: int | None = None) -> dict[str, Any] | None:
    """Where a read stood in the log: ``position`` (default: the log's last) and the
    chain's link there, for a report or record to carry (None on a store kept in memory).
    A printed record can be checked against the log later: ``audit verify`` and a
    checkpoint say whether the log up to that position is still the one read."""
    from kaflow.projections.db import engine_of
    from kaflow.storage.audit import Log

    engine = engine_of(app)
    if engine == "memory":
        return None
    log = Log(app.recorder, engine)
    at, link = log.head() if position is None else log.link_before(position)
    return {"position": at, "chain": link.hex() if at else None}
