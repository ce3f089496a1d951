"""Who acts: resolved once by a front end (a login, a token, ``--as`` on a local store)
and passed to every command and query beside it, never inside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    name: str

    def __str__(self) -> str:
        return self.name


# kaflow's own actor: the scheduler noticing a missed deadline when no user's step did.
SCHEDULER = Actor("scheduler")
