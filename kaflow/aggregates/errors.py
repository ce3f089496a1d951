from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """A command the domain model refuses."""


class LifecycleError(DomainError):
    def __init__(self, trigger: str, state: str, allowed: list[str]) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = allowed
        options = (
            ", ".join(a.replace("_", "-") for a in allowed)
            if allowed
            else "nothing (the account is closed)"
        )
        super().__init__(
            f"lifecycle: cannot {trigger.replace('_', '-')} an account that is '{state}'; "
            f"allowed now: {options}"
        )


class DatedTooEarlyError(LifecycleError):
    def __init__(
        self, trigger: str, state: str, floor: datetime, at: datetime, *, after_last_step: bool
    ) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = []
        step = trigger.replace("_", "-")
        if after_last_step:
            where = f"its last step while '{state}' was on {_minute(floor)}"
        else:
            where = f"the account has been '{state}' since {_minute(floor)}"
        seconds = _minute(floor) == _minute(at)  # the difference is within a minute
        where = where.replace(_minute(floor), _minute(floor, seconds))
        DomainError.__init__(
            self,
            f"lifecycle: {where}; '{step}' cannot be dated {_minute(at, seconds)}, before that",
        )


def _minute(moment: datetime, seconds: bool = False) -> str:
    shown = moment.strftime("%Y-%m-%d %H:%M:%S %z" if seconds else "%Y-%m-%d %H:%M %z")
    return shown.replace(" +0000", " UTC")


class UnknownUserError(DomainError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown user '{name}' (see 'kaflow user list')")


class InvalidChangeError(DomainError):
    """A change that makes no sense as asked (a duplicate, a date before the start)."""


class AccessError(DomainError):
    """The acting user's role does not allow the command."""
