"""The user directory: who may act, and the role each person held on any date.

A role change never overwrites: each user keeps a timeline of (effective from, role),
so the role someone held when a visit took place (R6) is always known.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kaflow.aggregates.errors import AccessError, InvalidChangeError, UnknownUserError
from kaflow.errors import step

# uuid5(NAMESPACE_URL, "kaflow:user-directory"), written out: computing it costs hashlib's
# import on every start.
DIRECTORY_ID = UUID("9f7ab8d6-8419-557e-bcc5-31129348e122")


class Role(StrEnum):
    SALES = "sales"
    MANAGER = "manager"
    DIRECTOR = "director"
    OWNER = "owner"


RANK = {Role.SALES: 0, Role.MANAGER: 1, Role.DIRECTOR: 2, Role.OWNER: 3}
# Where a user is told of notices: an e-mail address, and their handles on the group bots.
CONTACTS = ("email", "wecom", "dingtalk", "feishu")


def at_least_manager(role: str | None) -> bool:
    """A development manager or above (R4, R6); a process owner counts as above."""
    return role is not None and RANK[Role(role)] >= RANK[Role.MANAGER]


# Latin letters and digits that pass for one another (after Unicode TR39's confusables,
# for what a name can hold): the pairs that lower case keeps apart or that span letters.
_ALIKE = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("I", "l"), ("|", "l"))


def folded(name: str) -> str:
    """A name as names are compared: composed and width-folded (NFKC), case folded."""
    return _nfkc(name).casefold()


def skeleton(name: str) -> str:
    """What a name looks like: letters of other scripts that pass for Latin ones
    (Cyrillic а, Greek ο) as those, and Latin ones that pass for each other (I and l,
    0 and o, rn and m) as one; two names with one skeleton are confusable."""
    from confusable_homoglyphs import confusables

    shown = []
    for ch in _nfkc(name):
        found = None
        if not ch.isascii():
            found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True)
        latin = [g["c"] for f in found or () for g in f["homoglyphs"] if g["c"].isascii()]
        shown.append(latin[0] if latin else ch)
    text = "".join(shown)
    for alike, one in _ALIKE:
        text = text.replace(alike, one)
    text = text.casefold()
    for alike, one in _ALIKE:  # again, for what folding the case made alike (rN -> rn)
        text = text.replace(alike, one)
    return text


def _nfkc(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", name)


def mixes_scripts(name: str) -> bool:
    """Letters of several scripts that can pass for one another (``olgа``, its last
    letter Cyrillic)."""
    from confusable_homoglyphs import confusables

    return bool(confusables.is_dangerous(name))


class UserDirectory(Aggregate):
    # Versions of what is stored, as on ``Prospect`` (which says how to add a field).
    class_version = 1  # of its snapshots

    class Event(Aggregate.Event):
        class_version = 1  # of every event below that does not declare its own

    @staticmethod
    def create_id(owner: str, effective_from: datetime) -> UUID:
        return DIRECTORY_ID

    @event("Created")
    def __init__(self, owner: str, effective_from: datetime) -> None:
        self.timelines: dict[str, list[list[object]]] = {
            owner: [[effective_from, Role.OWNER.value]]
        }

    # Each user's e-mail address and IM handles (CONTACTS), by name as added: a class
    # default, so that a directory snapshotted before contacts existed loads without any.
    contacts: dict[str, dict[str, str]] | None = None

    def names(self) -> list[str]:
        return sorted(self.timelines)

    def contacts_of(self, name: str) -> dict[str, str]:
        """``name``'s e-mail address and IM handles, those they have."""
        return dict((self.contacts or {}).get(self.canonical(name), {}))

    def set_contacts(
        self, name: str, changes: dict[str, str], by: str, by_role: str
    ) -> dict[str, str]:
        """Change ``name``'s contacts (an empty value removes one); what they are now.
        Whether ``by`` may is the application's to say (their own, or an owner)."""
        name = self.canonical(name)
        unknown = sorted(set(changes) - set(CONTACTS))
        if unknown:
            raise InvalidChangeError(f"no contact called {unknown[0]!r}", field=unknown[0])
        now = self.contacts_of(name)
        if all(now.get(k, "") == v for k, v in changes.items()):
            raise InvalidChangeError(f"{name}'s contacts are so already; nothing to change")
        self._contacts_changed(name, changes, by, by_role)
        return self.contacts_of(name)

    def role_of(self, name: str, at: datetime) -> str | None:
        """The role ``name`` held at ``at``, or None if they held none yet."""
        return _held(self._timeline(name), at)

    def timeline(self, name: str) -> list[tuple[datetime, str | None]]:
        """(effective from, role) in order; a role of None: deactivated from then."""
        return [(_effective(e), _role(e)) for e in self._timeline(name)]

    def canonical(self, name: str) -> str:
        """The user's name as it was added; names match regardless of case and width
        (``ＭＩＡ`` is mia)."""
        if name in self.timelines:
            return name
        wanted = folded(name)
        for known in self.timelines:
            if folded(known) == wanted:
                return known
        raise UnknownUserError(name)

    def _timeline(self, name: str) -> list[list[object]]:
        return self.timelines[self.canonical(name)]

    def add_user(
        self, name: str, role: str, effective_from: datetime, by: str, now: datetime
    ) -> None:
        owner = self._require_owner(by, now, "add users")
        same = [n for n in self.timelines if folded(n) == folded(name)]
        if same:
            raise InvalidChangeError(f"user '{same[0]}' exists already (use {step('user_role')})")
        like = [n for n in self.timelines if skeleton(n) == skeleton(name)]
        if like or mixes_scripts(name):
            other = f"the user '{like[0]}'" if like else "a name in another script"
            raise InvalidChangeError(
                f"'{name}' can be mistaken for {other} (letters that look alike from "
                "different scripts); choose another name"
            )
        self._role_assigned(name, role, effective_from, owner, Role.OWNER.value)

    def change_role(
        self, name: str, role: str, effective_from: datetime, by: str, now: datetime
    ) -> None:
        owner = self._require_owner(by, now, "change roles")
        name = self.canonical(name)
        if self.role_of(name, effective_from) == role:
            raise InvalidChangeError(f"{name} is '{role}' then already; nothing to change")
        self._keep_an_owner(name, [effective_from, role], now)
        self._role_assigned(name, role, effective_from, owner, Role.OWNER.value)

    def deactivate(
        self, name: str, effective_from: datetime, by: str, now: datetime, hand_over_to: str | None
    ) -> str | None:
        """``name`` holds no role from ``effective_from`` on (the steps before keep the
        role they were taken in); the user their accounts go to, as added, if any."""
        owner = self._require_owner(by, now, "deactivate users")
        name = self.canonical(name)
        self.require_added(name, effective_from, "a deactivation")
        day = effective_from.date()
        if self.role_of(name, effective_from) is None:
            raise InvalidChangeError(f"{name} holds no role on {day} already; nothing to change")
        later = [e for e in self._timeline(name) if _effective(e) > effective_from]
        if later:
            raise InvalidChangeError(
                f"{name}'s role changes again on {_effective(later[0]).date()}, after {day}: "
                "deactivate from then or later",
                field="effective_from",
            )
        to: str | None = None
        if hand_over_to is not None:
            to = self._successor(name, hand_over_to, effective_from, now)
        self._keep_an_owner(name, [effective_from, None], now)
        self._deactivated(name, effective_from, owner, Role.OWNER.value, to)
        return to

    def _successor(self, name: str, to: str, at: datetime, now: datetime) -> str:
        """Whom a leaving user's accounts go to: another user holding a role then and now."""
        to = self.canonical(to)
        if to == name:
            raise InvalidChangeError(
                f"{name} cannot hand accounts over to themselves", field="hand_over_to"
            )
        for moment in sorted({at, max(at, now)}):
            if self.role_of(to, moment) is None:
                raise AccessError(
                    f"accounts go to a user who holds a role; {to} holds none on {moment.date()}",
                    field="hand_over_to",
                    user=to,
                )
        return to

    def require_added(self, name: str, effective_from: datetime, what: str) -> None:
        """Refuse ``what`` from before ``name`` was added: the role they were added with
        would still take over on that date, which is seldom what was meant."""
        name = self.canonical(name)
        added = _effective(self._timeline(name)[0])
        if effective_from < added:
            raise InvalidChangeError(
                f"{name} was added on {added.date()} (as '{_role(self._timeline(name)[0])}'): "
                f"{what} can start no earlier",
                field="effective_from",
            )

    def _keep_an_owner(self, name: str, change: list[object], now: datetime) -> None:
        if not self._always_an_owner(name, change, now):
            raise AccessError(
                "this would leave kaflow without an owner at some time from now on; "
                "make someone else owner first"
            )

    def _always_an_owner(self, name: str, change: list[object], now: datetime) -> bool:
        """Whether, with ``change`` in ``name``'s timeline, someone is owner now and at
        every later change, so that users can always be managed."""
        timelines = {n: list(t) for n, t in self.timelines.items()}
        timelines[name] = sorted([*timelines[name], change], key=_effective)
        moments = {now} | {_effective(e) for t in timelines.values() for e in t}
        return all(
            any(_held(t, moment) == Role.OWNER for t in timelines.values())
            for moment in moments
            if moment >= now
        )

    def _require_owner(self, by: str, at: datetime, what: str) -> str:
        """The acting owner's name as added; anyone else is refused."""
        role = self.role_of(by, at)
        if role != Role.OWNER:
            raise AccessError(f"only an owner can {what}; {by} is '{role}'")
        return self.canonical(by)

    @event("RoleAssigned")
    def _role_assigned(
        self, name: str, role: str, effective_from: datetime, by: str, by_role: str
    ) -> None:
        timeline = self.timelines.setdefault(name, [])
        timeline.append([effective_from, role])
        timeline.sort(key=_effective)

    @event("ContactsChanged")
    def _contacts_changed(self, user: str, changes: dict[str, str], by: str, by_role: str) -> None:
        # ``user``, not ``name``: the role timeline reads events that carry a name.
        contacts = dict(self.contacts or {})
        kept = {**contacts.get(user, {}), **changes}
        contacts[user] = {k: v for k, v in kept.items() if v}
        self.contacts = contacts

    @event("UserDeactivated")
    def _deactivated(
        self, name: str, effective_from: datetime, by: str, by_role: str, hand_over_to: str | None
    ) -> None:
        timeline = self.timelines[name]
        timeline.append([effective_from, None])
        timeline.sort(key=_effective)


def _effective(entry: list[object]) -> datetime:
    moment = entry[0]
    assert isinstance(moment, datetime)
    return moment


def _role(entry: list[object]) -> str | None:
    return None if entry[1] is None else str(entry[1])


def _held(timeline: list[list[object]], at: datetime) -> str | None:
    held: str | None = None
    for entry in timeline:
        if _effective(entry) <= at:
            held = _role(entry)
    return held
