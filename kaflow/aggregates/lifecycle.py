"""The lifecycle of a key account as data, checked by one rule-table Machine.

The Machine is never bound to an aggregate: the aggregate's event-sourced ``state``
is the truth, and the Machine only answers "may this trigger fire from here, and
where does it lead" (a bound Machine would break snapshots and replay).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any

from transitions import Machine


class State(StrEnum):
    IDENTIFIED = "identified"
    ANALYSED = "analysed"
    CONTACTED = "contacted"
    VISITED = "visited"
    FOLLOWED_UP = "followed_up"
    WON = "won"
    LOST = "lost"


OPEN_STATES = [
    State.IDENTIFIED,
    State.ANALYSED,
    State.CONTACTED,
    State.VISITED,
    State.FOLLOWED_UP,
]
_WORKING = [State.CONTACTED, State.VISITED, State.FOLLOWED_UP]

# "=" keeps the state: the step is recorded but the account does not move.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "analyse", "source": [State.IDENTIFIED, State.ANALYSED], "dest": State.ANALYSED},
    {"trigger": "approach", "source": [State.ANALYSED, *_WORKING], "dest": "="},
    {
        "trigger": "contact",
        "source": [State.ANALYSED, State.CONTACTED, State.FOLLOWED_UP],
        "dest": State.CONTACTED,
    },
    {"trigger": "conference", "source": _WORKING, "dest": "="},
    {"trigger": "prepare", "source": _WORKING, "dest": "="},
    {"trigger": "visit", "source": _WORKING, "dest": State.VISITED},
    {"trigger": "follow_up", "source": [State.VISITED], "dest": State.FOLLOWED_UP},
    {"trigger": "win", "source": [State.FOLLOWED_UP], "dest": State.WON},
    {"trigger": "lose", "source": OPEN_STATES, "dest": State.LOST},
    {"trigger": "reopen", "source": [State.LOST], "dest": State.ANALYSED},
    # Only for an account lost before its analysis (R2 still applies): the aggregate
    # chooses; next_state() gives the first row, analysed.
    {"trigger": "reopen", "source": [State.LOST], "dest": State.IDENTIFIED},
]

TRIGGERS = list(dict.fromkeys(t["trigger"] for t in TRANSITIONS))

_MACHINE = Machine(
    model=None,
    states=[s.value for s in State],
    transitions=[
        {**t, "source": [str(s) for s in t["source"]], "dest": str(t["dest"])} for t in TRANSITIONS
    ],
    initial=State.IDENTIFIED.value,
    auto_transitions=False,
)


@cache
def next_state(trigger: str, state: str) -> str | None:
    """Where ``trigger`` leads from ``state``, or None if it may not fire there."""
    found = _MACHINE.get_transitions(trigger=trigger, source=str(state))
    return str(found[0].dest) if found else None


@cache
def lifecycle_destinations(trigger: str, state: str) -> list[str]:
    """Every state the table lets ``trigger`` lead to from ``state``."""
    return [str(t.dest) for t in _MACHINE.get_transitions(trigger=trigger, source=str(state))]


@cache
def allowed_triggers(state: str) -> list[str]:
    return [t for t in TRIGGERS if next_state(t, state) is not None]


def mermaid() -> str:
    """The lifecycle as a Mermaid state diagram, drawn from the table itself."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.IDENTIFIED.value}"]
    for t in TRANSITIONS:
        for source in t["source"]:
            dest = source if t["dest"] == "=" else t["dest"]
            lines.append(f"    {source} --> {dest}: {t['trigger'].replace('_', '-')}")
    lines.append(f"    {State.WON.value} --> [*]")
    return "\n".join(lines)
