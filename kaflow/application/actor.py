"""Who acts: resolved once by a front end (a login, a token, ``--as`` on a local store)
and passed to every command and query beside it, never inside it."""

from __future__ import annotations


class Actor:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Actor({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Actor) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


# kaflow's own actor: the scheduler noticing a missed deadline when no user's step did.
SCHEDULER = Actor("scheduler")
