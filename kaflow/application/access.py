"""Who may do and read what: one table, by the role the acting user holds now.

The procedure's own role rules (R4's chair, R6's lead, R14's reviewer) are rules, judged
at the time of the step by ``kaflow.policies``; this table is the door before them.
"""

from __future__ import annotations

from kaflow.aggregates.directory import RANK, Role
from kaflow.aggregates.errors import AccessError

# action -> the least role that may take it. Every command and query names its action.
ACCESS: dict[str, Role] = {
    "read": Role.SALES,  # accounts, history, the record, reports, deadlines, users
    "record_step": Role.SALES,  # identify, analyse, and every step of the procedure
    "keep_record": Role.SALES,  # review and correct (R14 says who may review)
    "assign_accounts": Role.MANAGER,  # name another account owner
    "archive_accounts": Role.MANAGER,  # duplicates and test accounts
    "rebuild_views": Role.SALES,  # views are derived from the log: nothing is lost
    "add_users": Role.OWNER,
    "change_roles": Role.OWNER,
    "deactivate_users": Role.OWNER,
    "edit_contacts": Role.OWNER,  # another user's e-mail and IM handles (anyone edits their own)
    "manage_notifications": Role.MANAGER,  # test a channel, send its parked notices again
    "erase_personal_data": Role.OWNER,  # a person's request to be forgotten
    "audit": Role.OWNER,  # the log's signing key and its checkpoints
    "set_passwords": Role.OWNER,  # another user's (anyone sets their own)
    "manage_tokens": Role.OWNER,  # other users' API tokens (anyone keeps their own)
}


def require(actor: str, role: str | None, action: str, when: str) -> str:
    """The role ``actor`` holds, if it may take ``action``; refused otherwise."""
    if role is None:
        raise AccessError(f"{actor} holds no role on {when}", user=actor)
    needed = ACCESS[action]
    if RANK[Role(role)] < RANK[needed]:
        who = "an owner" if needed is Role.OWNER else f"a {needed.value} or above"
        raise AccessError(
            f"only {who} can {action.replace('_', ' ')}; {actor} is '{role}'",
            user=actor,
        )
    return role
