"""Delivering reminders and overdue notices, each exactly once.

A notifier delivers the notices recorded in the log in order of their position, and
knows how far it got: ``deliver`` hands it a function that returns the notices after a
position, and the notifier asks for those after the last one it delivered. The default,
``Outbox``, appends them to a JSON-lines file in the workspace, which is its own record
of how far it got; an e-mail or webhook notifier would keep that position beside what
it sent.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from kaflow.errors import WorkspaceError

Notice = dict[str, Any]  # JSON-ready; "position" is the notice's position in the log
Pending = Callable[[int], Sequence[Notice]]  # the notices after a position, in order


class Delivered(Protocol):
    """A notifier's position, kept in the store."""

    def get(self) -> int: ...

    def set(self, position: int) -> None: ...

    def hold(self) -> AbstractContextManager[None]:
        """Held while delivering (across machines, on a shared store)."""
        ...


class Notifier(Protocol):
    def deliver(self, pending: Pending) -> int:
        """Deliver the notices not yet delivered; the number delivered."""
        ...


class Outbox:
    """An append-only JSON-lines file, one notice a line.

    Two schedulers may deliver at once: the file is locked while its last position is
    read and the new lines are written; on a shared (PostgreSQL) store, schedulers on
    other machines wait on a lock in the store, and start from the position kept there.
    A line cut short by a crash is removed before the next write, and its notice is
    written again whole.
    """

    def __init__(
        self, path: str, delivered: Delivered | None = None, store: str | None = None
    ) -> None:
        self.path = path
        # Which store the notices come from: a line from another store (the outbox kept
        # while the store was made anew) says nothing of how far this one got.
        self.store = store
        # Where delivery got to, kept beside the store too: a rotated (emptied or moved)
        # outbox file does not make everything be delivered again.
        self.delivered = delivered

    def deliver(self, pending: Pending) -> int:
        with nullcontext() if self.delivered is None else self.delivered.hold():
            return self._deliver(pending)

    def _deliver(self, pending: Pending) -> int:
        with open(self.path, "a+b") as outbox:
            fcntl.flock(outbox, fcntl.LOCK_EX)
            try:
                position = _last_position(outbox, self.path, self.store)
                if self.delivered is not None:
                    position = max(position, self.delivered.get())
                delivered = 0
                while notices := pending(position):
                    stamped = [{**n, "store": self.store} if self.store else n for n in notices]
                    outbox.write(b"".join(_line(n) for n in stamped))
                    outbox.flush()
                    os.fsync(outbox.fileno())
                    delivered += len(notices)
                    position = int(notices[-1]["position"])
                    if self.delivered is not None:
                        self.delivered.set(position)
                return delivered
            finally:
                fcntl.flock(outbox, fcntl.LOCK_UN)

    def read(self) -> list[Notice]:
        """Every notice delivered, in order."""
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as outbox:
            return [json.loads(line) for line in outbox if line.endswith("\n")]


def _line(notice: Notice) -> bytes:
    return (json.dumps(notice, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _last_position(outbox: Any, path: str, store: str | None = None) -> int:
    """The position of the last whole line, after cutting off a partial one."""
    size = outbox.seek(0, os.SEEK_END)
    if size == 0:
        return 0
    tail = b""
    step = 4096
    while True:  # read back until the tail holds the last whole line
        start = max(0, size - len(tail) - step)
        outbox.seek(start)
        tail = outbox.read(size - start)
        whole = tail[: tail.rfind(b"\n") + 1]
        if whole.count(b"\n") >= 2 or start == 0:
            break
    lines = whole.splitlines()
    partial = tail[len(whole) :]
    # Only an outbox is ever cut: its last whole line a notice, the rest the start of
    # one (a write cut short). Any other file is left exactly as it is.
    last = _notice(lines[-1], path) if lines else None
    if partial and not partial.lstrip().startswith(b'{"'):
        raise _not_an_outbox(path, "it ends in a line that is not a notice kaflow wrote")
    if partial:  # a partial last line: a write cut short
        outbox.truncate(size - len(partial))
    if last is None:
        return 0
    if store is not None and last.get("store", store) != store:
        return 0  # written for another store
    return int(last["position"])


def _notice(line: bytes, path: str) -> dict[str, Any]:
    try:
        found = json.loads(line)
        if isinstance(found, dict) and isinstance(found.get("position"), int):
            return found
    except ValueError:
        pass
    raise _not_an_outbox(path, "its last line is not a notice kaflow wrote")


def _not_an_outbox(path: str, why: str) -> WorkspaceError:
    return WorkspaceError(
        f"{path} is not kaflow's outbox ({why}); nothing was changed in it: name another "
        "file as [notify] outbox in kaflow.toml, or move this one aside"
    )
