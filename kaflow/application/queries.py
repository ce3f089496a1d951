"""Every read a user can make, as a method that takes the acting user: the same answers,
the same access checks, for every front end. Results are plain, typed data (JSON-ready
dicts and lists) that a terminal table, a JSON document and an HTML page all render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, overload
from uuid import UUID

from kaflow.application import accounts, moments
from kaflow.application.actor import Actor
from kaflow.application.privacy_reads import PrivacyReads
from kaflow.application.reads import revealed
from kaflow.application.report_reads import REPORTS, WEEK, ReportReads
from kaflow.application.user_reads import UserReads
from kaflow.errors import BadInputError, field

__all__ = ["REPORTS", "WEEK", "Queries"]

if TYPE_CHECKING:  # result types, for readers and checkers (no cost at start-up)

    class AccountsPage(TypedDict):
        total: int  # how many accounts match, on every page
        offset: int
        limit: int
        accounts: list[dict[str, Any]]


class Queries(ReportReads, PrivacyReads, UserReads):
    """Every read of one application's store: the accounts, their records and history,
    personal data; the reports (``ReportReads``), the users (``UserReads``); what they share
    (``Reads``)."""

    @revealed
    def account(
        self,
        actor: Actor,
        account_id: UUID,
        as_of: str | None = None,
        recorded_by: str | None = None,
    ) -> dict[str, Any]:
        """The account as it stands now, with its latest analysis in a few words; or as
        it stood at ``as_of`` (what had happened by then) and as recorded by
        ``recorded_by`` (either alone, or both)."""
        from kaflow.application import stored_analysis

        self._may_see(actor, account_id)
        happened, recorded = self._cut(as_of, recorded_by)
        if happened is None and recorded is None:
            return self._now(self.app.get_prospect(account_id))
        found = self.history(actor, account_id, as_of, recorded_by)
        data: dict[str, Any] = found["account"]
        analysed = [e for e in found["events"] if e["type"] == "Analysed"]
        data["analysis"] = None
        if analysed:
            kept = accounts.inside(self.app.events.get(account_id), happened, recorded)
            latest = [e for e in kept if type(e).__name__ == "Analysed"][-1]
            data["analysis"] = stored_analysis.summary_of(latest, self.app.zone)
        data["as_of"], data["recorded_by"] = found["as_of"], found["recorded_by"]
        return data

    @revealed
    def saved(self, prospect: Any) -> dict[str, Any]:
        """``account`` of the account a step just saved (``Kaflow.handle`` gives it),
        for the one who took the step: the account is not read again."""
        return self._now(prospect)

    def _now(self, prospect: Any) -> dict[str, Any]:
        from kaflow.application import stored_analysis

        now = accounts.summary(prospect, self.app.zone, self.app.events.get)
        now["analysis"] = stored_analysis.summary(self.app, prospect.id)
        return now

    @revealed
    def analysis(self, actor: Actor, account_id: UUID) -> dict[str, Any]:
        """The account's latest analysis (R2, R3) whole, in the form the analyse step
        reads: to edit and record again. Never analysed: not found."""
        from kaflow.application import stored_analysis

        self._may_see(actor, account_id)
        return stored_analysis.stored(self.app, account_id)

    @overload
    def accounts(
        self,
        actor: Actor,
        state: str | None = None,
        *,
        search: str | None = None,
        category: str | None = None,
        owner: str | None = None,
        mine: bool = False,
        idle: str | None = None,
        sort: str | None = None,
        include_archived: bool = False,
        limit: None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]: ...

    @overload
    def accounts(
        self,
        actor: Actor,
        state: str | None = None,
        *,
        search: str | None = None,
        category: str | None = None,
        owner: str | None = None,
        mine: bool = False,
        idle: str | None = None,
        sort: str | None = None,
        include_archived: bool = False,
        limit: int,
        offset: int = 0,
    ) -> AccountsPage: ...

    def accounts(
        self,
        actor: Actor,
        state: str | None = None,
        *,
        search: str | None = None,
        category: str | None = None,
        owner: str | None = None,
        mine: bool = False,
        idle: str | None = None,
        sort: str | None = None,
        include_archived: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]] | AccountsPage:
        """The accounts that match every filter given: ``search`` in their names (any
        case, width or punctuation), ``owner`` (``mine``: the acting user's), ``idle``
        (open accounts without a step for an ISO 8601 duration), archived ones only if
        asked. With ``limit``, a page: at most ``limit`` of them from ``offset`` on, with
        how many match in all (``{"total", "offset", "limit", "accounts"}``); only the
        page's accounts are loaded."""
        from kaflow.projections.account_reads import find, find_page
        from kaflow.projections.accounts import SORTS
        from kaflow.projections.names import search_key

        visible_to = self._scope(actor)
        if limit is not None and limit < 0:
            raise BadInputError(f"{field('limit')}: give 0 or more", field="limit")
        if offset < 0:
            raise BadInputError(f"{field('offset')}: give 0 or more", field="offset")
        if sort is not None and sort not in SORTS:
            raise BadInputError(f"no sort {sort!r} ({', '.join(SORTS)})", field="sort")
        if mine and owner:
            raise BadInputError(f"give {field('owner')} or {field('mine')}, not both", field="mine")
        if search is not None and not search_key(search):
            raise BadInputError(
                f"{field('search')}: give letters or digits to look for in names "
                "(case, width and punctuation are ignored)",
                field="search",
            )
        filters: dict[str, Any] = {"search": search, "category": category, "state": state}
        filters["owner"] = self._owner(actor.name if mine else owner)
        filters["visible_to"] = visible_to
        if idle is not None:
            filters["idle_since"] = (self.app.now() - moments.span(idle, "idle")).timestamp()
        filters.update(sort=sort, include_archived=include_archived)
        if limit is None:
            with self._views().reading() as cursor:
                ids = find(cursor, **filters)[offset:]
            return accounts.summaries(self.app, [UUID(i) for i in ids])
        with self._views().reading() as cursor:
            ids, total = find_page(cursor, limit=limit, offset=offset, **filters)
        rows = accounts.summaries(self.app, [UUID(i) for i in ids])
        return {"total": total, "offset": offset, "limit": limit, "accounts": rows}

    def ledgers(
        self,
        actor: Actor,
        state: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """The development records of many accounts (not archived; in ``state`` if
        given; worked on between ``since`` and ``until``, by when steps happened), in
        the order they were added: a month's records to print."""
        from kaflow.projections.account_reads import worked_on
        from kaflow.projections.accounts import STATE_ORDER

        visible_to = self._scope(actor)
        if state is not None and state not in STATE_ORDER:
            raise BadInputError(f"no state {state!r} ({', '.join(STATE_ORDER)})", field="state")
        period = moments.period(since, until, self.app.zone, self.app.now())
        start, end = period["since"], period["until"]
        with self._views().reading() as cursor:
            ids = worked_on(
                cursor,
                state,
                start.timestamp() if start else None,
                end.timestamp() if end else None,
            )
        hidden = self._hidden(visible_to)
        return [self.ledger(actor, UUID(i)) for i in ids if i not in hidden]

    def duplicates(self, actor: Actor, least: int | None = None) -> list[dict[str, Any]]:
        """Likely duplicate pairs among the accounts not archived, most similar first:
        for a manager to archive one of each (names alike once case, width, punctuation
        and company suffixes are set aside, ``least`` percent alike or more)."""
        from kaflow.application.duplicates import SIMILAR, pairs
        from kaflow.projections.account_reads import live_names

        self.app.authorise(actor)
        if least is not None and not 50 <= least <= 100:
            raise BadInputError(
                f"{field('least')}: give a percentage from 50 to 100", field="least"
            )
        with self._views().reading() as cursor:
            names = live_names(cursor)
        return [
            {
                "similarity": a.similarity,
                "accounts": [{"id": str(UUID(m.account_id)), "name": m.name} for m in (a, b)],
            }
            for a, b in pairs(names, SIMILAR if least is None else least)
        ]

    @revealed
    def history(
        self,
        actor: Actor,
        account_id: UUID,
        as_of: str | None = None,
        recorded_by: str | None = None,
    ) -> dict[str, Any]:
        """Every event of an account; with ``as_of``, those that had happened by then
        (recorded later too); with ``recorded_by``, those recorded by then (a bare date:
        by its end)."""
        self._may_see(actor, account_id)
        return accounts.history(self.app, account_id, *self._cut(as_of, recorded_by))

    @revealed
    def ledger(
        self,
        actor: Actor,
        account_id: UUID,
        as_of: str | None = None,
        recorded_by: str | None = None,
    ) -> dict[str, Any]:
        """The development record (R14) as it stands; or of the work as it stood at
        ``as_of``, as recorded by ``recorded_by`` (either alone, or both): built from
        the account's own events inside that cut, by the same view."""
        from kaflow.projections.folded import Folded
        from kaflow.reporting.ledger import ledger

        self._may_see(actor, account_id)
        happened, recorded = self._cut(as_of, recorded_by)
        now = self.app.now()
        if happened is None and recorded is None:
            found = ledger(self._views(), account_id, now, self.app.backdating)
            found["log"] = self._read_at()
            return found
        log = self._read_at(cut=True)
        events = accounts.inside(self.app.events.get(account_id), happened, recorded)
        accounts.as_it_stood(account_id, events, happened, recorded)  # identified by then?
        moment = min(m for m in (happened, recorded, now) if m is not None)
        found = ledger(Folded(events), account_id, moment, self.app.backdating)
        found["as_of"] = happened.isoformat() if happened else None
        found["recorded_by"] = recorded.isoformat() if recorded else None
        found["log"] = log
        return found
