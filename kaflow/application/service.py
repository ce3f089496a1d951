"""The application service: the one place where commands are handled.

Every command follows one recipe, with the acting user beside it: load, check the actor
(the access table), the date, the lifecycle, the rules; act; save. A concurrent writer
makes the save fail; the command is then re-loaded, re-checked and re-applied a bounded
number of times before it is refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.application.account_commands import AssignAccount
from kaflow.application.actor import Actor
from kaflow.application.deadline_notices import DeadlineNotices
from kaflow.application.keeping import CACHE_SIZE, RETRIES, SNAPSHOT_EVERY, replay
from kaflow.application.steps import Checked, Context, canonical_names, owner_of, step_of
from kaflow.clock import Clock, SystemClock, fixed_offset
from kaflow.errors import (
    BadInputError,
    ConflictError,
    RefusedError,
    field,
)
from kaflow.policies import guards, prospect_classified
from kaflow.policies.backdating import Backdating, check_not_too_early
from kaflow.policies.follow_up_within import FollowUpPolicy

__all__ = ["CACHE_SIZE", "RETRIES", "SNAPSHOT_EVERY", "Kaflow", "replay"]


class Kaflow(DeadlineNotices):
    name = "kaflow"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        clock: Clock | None = None,
        zone: tzinfo = UTC,
        policy: FollowUpPolicy | None = None,
        backdating: Backdating | None = None,
    ) -> None:
        super().__init__(env)
        self.clock: Clock = clock or SystemClock()
        self.zone = zone  # the workspace's: times default to it, so messages read locally
        self.policy = policy or FollowUpPolicy()
        self.backdating = backdating or Backdating()
        # The accounts' names, (id, name) of those not archived, for finding likely
        # duplicates: given by whoever builds the application with views (None: unchecked).
        self.account_names: Callable[[], list[tuple[str, str, str]]] | None = None
        # Seals the declared personal fields of each step (kaflow.application.privacy);
        # given by whoever builds the application with its master key (None: kept clear).
        self.keyring: Any = None
        # "own": a salesperson sees and acts on the accounts they own or took part in
        # ([access] sales_see in kaflow.toml); "all": every account.
        self.sales_see = "all"

    def now(self) -> datetime:
        return fixed_offset(self.clock.now().astimezone(self.zone))

    # -- prospects ----------------------------------------------------------------

    def identify(self, actor: Actor, cmd: c.IdentifyProspect) -> UUID:
        prospect = self.new_prospect(actor, cmd)
        self._save(prospect)
        return prospect.id

    def new_prospect(
        self,
        actor: Actor,
        cmd: c.IdentifyProspect,
        names: list[tuple[str, str, str]] | None = None,
    ) -> Prospect:
        """The account ``cmd`` identifies, checked (R1, access, a likely duplicate among
        ``names``, by default the store's) and not saved yet."""
        directory = self.directory()
        now = self.now()
        role = self.authorise(actor, "record_step", directory, now)
        found = prospect_classified.check(cmd)
        if found is not None:
            raise found.error()
        if not cmd.allow_duplicate:
            self._refuse_duplicate(cmd.name, names)
        name = directory.canonical(actor.name)
        owner = self._owner(directory, cmd.owner, now) if cmd.owner else name
        meta: dict[str, Any] = {"actor": name, "actor_role": role}
        prospect = Prospect(
            name=cmd.name,
            category=cmd.category.value,
            nature=cmd.nature,
            product_line=cmd.product_line,
            service=cmd.service,
            occurred_at=self._dated(cmd, now, role),
            **meta,
        )
        if owner != name:
            prospect.assign(owner, name, "", occurred_at=prospect.identified_at, **meta)
        return prospect

    def scoped(self, role: str | None) -> bool:
        """Whether a user in ``role`` sees only the accounts they own or took part in."""
        return self.sales_see == "own" and role == "sales"

    def require_part(self, prospect: Prospect, name: str, role: str | None) -> None:
        """Refused (access) unless the user may act on the account: under row scoping, a
        salesperson only on those they own or took part in (recorded a step on, chaired,
        led or joined)."""
        from kaflow.aggregates.errors import AccessError
        from kaflow.application.steps import took_part

        if not self.scoped(role) or owner_of(prospect, self.events.get) == name:
            return
        if not took_part(self.events.get(prospect.id), name):
            raise AccessError(
                f"{name} neither owns this account nor took part in it (salespeople see "
                "their own accounts here)",
                user=name,
            )

    def erase_personal_data(
        self, actor: Actor, prospect_id: UUID | None, reason: str, person: str | None = None
    ) -> dict[str, Any]:
        """Destroy an account's data keys, or a person's in every account (an owner
        only): ``kaflow.application.erasure``."""
        from kaflow.application.erasure import erase_personal_data

        return erase_personal_data(self, actor, prospect_id, reason, person)

    def save_imported(
        self, actor: Actor, prospect: Prospect, file: str, rows: list[dict[str, Any]]
    ) -> None:
        """Save an account's imported steps, saying which row each came from, in one
        transaction; a concurrent change of the account writes nothing."""
        directory = self.directory()
        now = self.now()
        role = self.authorise(actor, "record_step", directory, now)
        name = directory.canonical(actor.name)
        prospect.mark_imported(file, rows, actor=name, actor_role=role, occurred_at=now)
        if not self._save(prospect):
            raise ConflictError(
                "the account changed while it was imported; nothing of it was written: "
                "run the import again"
            )

    def _refuse_duplicate(self, name: str, names: list[tuple[str, str, str]] | None) -> None:
        """A name the same as, or nearly, an account's that is not archived: refused."""
        from kaflow.application.duplicates import likely

        if names is None and self.account_names is None:
            return
        known = names if names is not None else self.account_names()  # type: ignore[misc]
        found = likely(name, known, limit=3)
        if found:
            shown = "; ".join(f"'{m.name}' ({UUID(m.account_id)}, {m.similarity}%)" for m in found)
            raise RefusedError(
                f"'{name}' is likely a duplicate of {shown}: record steps on that account, "
                f"or add it anyway with {field('allow_duplicate')}",
                rule="duplicate",
                field="name",
                duplicates=[str(UUID(m.account_id)) for m in found],
            )

    @staticmethod
    def _owner(directory: UserDirectory, name: str, now: datetime) -> str:
        """A user who may own accounts: known, and holding a role now."""
        owner = directory.canonical(name)
        if directory.role_of(owner, now) is None:
            raise RefusedError(
                f"an account's owner must hold a role; {owner} holds none on {now.date()}",
                rule="access",
                field="owner",
                user=owner,
            )
        return owner

    def handle(self, actor: Actor, cmd: c.ProspectCommand) -> Prospect:
        """Load, check the actor, the date, the lifecycle and the rules, act, save;
        retry on a concurrent write. The account as saved.

        A long-lived process writes once per step: it acts first on the account as it
        last saved or read it, without reading the store. Had another process written
        since, the save conflicts (nothing is written) and the step is judged again on
        what the store holds, as is any refusal on the kept account."""
        try:
            kept = self._kept_prospect(cmd.prospect_id)
            if kept is not None:
                try:
                    self.prepare(actor, kept, cmd)
                except Exception:  # judged again below, on what the store holds
                    pass
                else:
                    if self._save(kept):
                        return kept
            for _ in range(RETRIES):
                prospect = self.get_prospect(cmd.prospect_id)
                self.prepare(actor, prospect, cmd)
                if self._save(prospect):
                    return prospect
            raise ConflictError("the account kept changing under this command; nothing was written")
        finally:
            self.forget_unrecorded_keys()

    def forget_unrecorded_keys(self) -> None:
        """After a command: the data keys made for it that were not recorded with it."""
        if self.keyring is not None:
            self.keyring.forget_unrecorded()

    def prepare(self, actor: Actor, prospect: Prospect, cmd: c.ProspectCommand) -> None:
        """Check the actor, the date, the lifecycle and the rules, and act on
        ``prospect`` in memory: saved by the caller, or not at all."""
        the_step = step_of(cmd)
        now = self.now()
        directory = self.directory()
        role = self.authorise(actor, the_step.action, directory, now)
        occurred_at = self._dated(cmd, now, role)
        self.require_part(prospect, directory.canonical(actor.name), role)
        prospect.require_active(cmd.trigger)
        if isinstance(cmd, AssignAccount):
            self._owner(directory, cmd.to, now)
        if the_step.lifecycle:
            prospect.require(cmd.trigger, occurred_at)
        name = directory.canonical(actor.name)
        named = dataclasses.replace(cmd, occurred_at=occurred_at, **canonical_names(cmd, directory))
        checked = Checked(named, name)
        found = guards.violation(checked, prospect, directory)
        if found is not None:
            raise found.error()
        if self.keyring is not None:
            from kaflow.application.privacy import seal_command

            named = seal_command(self.keyring, prospect.id, named)
        meta: dict[str, Any] = {"actor": name, "actor_role": role, "occurred_at": occurred_at}
        if the_step.settles_deadline:
            # Settled after it passed: the miss is recorded (and escalated) first,
            # once, as the scheduler would have.
            self.notice_overdue(prospect, directory, occurred_at, now, by=name)
        if the_step.inputs is not None:
            context = Context(self.policy, self.zone, self.events.get, directory, name)
            meta.update(the_step.inputs(prospect, cmd, occurred_at, context))
        the_step.act(prospect, named, meta)

    def _dated(
        self, cmd: c.ProspectCommand | c.IdentifyProspect, now: datetime, role: str
    ) -> datetime:
        """When the step happened (default now), with a fixed offset as it will be
        stored; never in the future nor before 2000, and no further back than the
        workspace allows the acting ``role``."""
        when = fixed_offset(c.when(cmd, now))
        if when > now:
            raise BadInputError(
                f"{field('occurred_at')} {when.isoformat(timespec='minutes')} is in the future "
                f"(it is {now.isoformat(timespec='minutes')} now)",
                field="occurred_at",
            )
        check_not_too_early(when, self.zone)
        self.backdating.check(when, now, role)
        return when
