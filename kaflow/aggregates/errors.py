from __future__ import annotations


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


class UnknownUserError(DomainError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown user '{name}' (see 'kaflow user list')")


class AccessError(DomainError):
    """The acting user's role does not allow the command."""
