"""The web front end's one table from kaflow's errors to HTTP statuses, and from fields
and steps to the names a JSON body or a route spells them with."""

from __future__ import annotations

from typing import Any

from kaflow.errors import KaflowError, Kind

STATUSES = {
    Kind.BAD_INPUT: 400,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.REFUSED: 422,  # a rule of the procedure, or the lifecycle
    Kind.UNAVAILABLE: 503,
}
# Refusals whose rule says more than "refused": (kind, rule) -> status.
BY_RULE = {
    (Kind.REFUSED, "access"): 403,  # the acting user's role, or a read-only token
    (Kind.REFUSED, "sign_in"): 401,
    (Kind.REFUSED, "throttled"): 429,
    (Kind.CONFLICT, "version"): 412,  # If-Match named an older version
}

# A field, as a request spells it where it differs from the field's own name.
FIELDS = {
    "occurred_at": "at",
    "effective_from": "since",
    "prospect_id": "id",
    "account": "id",
    "analysis_file": "analysis",
    "least": "similarity",
    "idempotency_key": "Idempotency-Key",
    "version": "If-Match",
}


class NotSignedIn(Exception):
    """No session, or no valid token: 401."""

    def __init__(self, message: str = "sign in, or send a valid bearer token") -> None:
        super().__init__(message)
        self.message = message


def status_of(error: KaflowError) -> int:
    return BY_RULE.get((error.kind, error.rule or ""), STATUSES[error.kind])


def field_name(name: str) -> str:
    return FIELDS.get(name, name)


def step_name(name: str) -> str:
    return f"'{name.replace('_', '-')}'"


def body_of(error: KaflowError) -> dict[str, Any]:
    """``{"error", "kind", "rule", "field"}``: the message with its fields spelled as a
    request spells them."""
    return {
        "error": error.render(lambda f: f"'{field_name(f)}'", step_name),
        "kind": error.kind.value,
        "rule": error.rule,
        "field": field_name(error.field) if error.field else None,
    }


def not_signed_in(message: str) -> dict[str, Any]:
    return {"error": message, "kind": "not_signed_in", "rule": None, "field": None}
