"""The domain model's refusals, in kaflow's one error hierarchy (``kaflow.errors``)."""

from __future__ import annotations

from datetime import datetime

from kaflow.errors import BadInputError, KaflowError, NotFoundError, RefusedError, step


class DomainError(KaflowError):
    """A command the domain model refuses (any of the classes below)."""


class LifecycleError(RefusedError, DomainError):
    default_rule = "lifecycle"

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
            f"cannot {trigger.replace('_', '-')} an account that is '{state}'; "
            f"allowed now: {options}",
            trigger=trigger,
            state=state,
            allowed=allowed,
        )


class ArchivedError(RefusedError, DomainError):
    """A step on an archived account: it keeps its history and takes no more steps."""

    default_rule = "archived"

    def __init__(self, trigger: str, name: str, archived: dict[str, object]) -> None:
        duplicate = archived.get("duplicate_of")
        why = f"duplicate of {duplicate}" if duplicate else str(archived.get("reason"))
        super().__init__(
            f"cannot {trigger.replace('_', '-')} '{name}': the account is archived ({why})",
            trigger=trigger,
        )


class DatedTooEarlyError(LifecycleError):
    def __init__(
        self, trigger: str, state: str, floor: datetime, at: datetime, *, after_last_step: bool
    ) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = []
        name = trigger.replace("_", "-")
        if after_last_step:
            where = f"its last step while '{state}' was on {_minute(floor)}"
        else:
            where = f"the account has been '{state}' since {_minute(floor)}"
        seconds = _minute(floor) == _minute(at)  # the difference is within a minute
        where = where.replace(_minute(floor), _minute(floor, seconds))
        RefusedError.__init__(
            self,
            f"{where}; '{name}' cannot be dated {_minute(at, seconds)}, before that",
            field="occurred_at",
            trigger=trigger,
            state=state,
        )


def _minute(moment: datetime, seconds: bool = False) -> str:
    shown = moment.strftime("%Y-%m-%d %H:%M:%S %z" if seconds else "%Y-%m-%d %H:%M %z")
    return shown.replace(" +0000", " UTC")


class UnknownUserError(NotFoundError, DomainError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown user '{name}' (see {step('user_list')})", user=name)


class InvalidChangeError(BadInputError, DomainError):
    """A change that makes no sense as asked (a duplicate, a date before the start)."""


class AccessError(RefusedError, DomainError):
    """The acting user's role does not allow the command."""

    default_rule = "access"
