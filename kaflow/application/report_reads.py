"""The reads of reports: each report with both kinds of "as of", the dashboard's counts,
the open deadlines, what-if."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from kaflow.application import moments
from kaflow.application.actor import Actor
from kaflow.application.reads import Reads, revealed
from kaflow.errors import BadInputError, field

WEEK = 7 * 86400.0  # seconds: "due this week"
REPORTS = ("funnel", "losses", "registry", "visits", "overdue", "conformance", "activity")


class ReportReads(Reads):
    @revealed
    def report(
        self,
        actor: Actor,
        name: str,
        as_of: str | None = None,
        *,
        recorded_by: str | None = None,
        lead: str | None = None,
        since: str | None = None,
        until: str | None = None,
        owner: str | None = None,
        include_archived: bool = False,
    ) -> dict[str, Any]:
        """A report on the work as it stood at ``as_of`` (what had happened by then,
        however late it was recorded) and as the record stood at ``recorded_by`` (what
        had been recorded by then: the auditor's view); each defaults to now, a bare
        date means its end, neither may be in the future. ``since`` and ``until`` keep
        the visits, or the activity, that happened between them; ``lead`` filters
        visits; ``owner`` keeps the accounts that user owns now; archived ones count if
        asked."""
        from kaflow.reporting.reports import run

        visible_to = self._scope(actor)
        if name not in REPORTS:
            raise BadInputError(f"no report named {name!r} ({', '.join(REPORTS)})", field="name")
        now = self.app.now()
        zone = self.app.zone
        happened = moments.as_of(as_of, "as_of", zone, now)
        recorded = moments.as_of(recorded_by, "recorded_by", zone, now) if recorded_by else None
        options: dict[str, Any] = {}
        if name in ("visits", "activity"):
            options = moments.period(since, until, zone, now)
        elif since or until:
            raise BadInputError(
                f"{field('since')} and {field('until')} apply to the visits and activity "
                "reports only",
                field="since",
            )
        if name == "visits":
            options["lead"] = self.app.directory().canonical(lead) if lead else None
        elif lead:
            raise BadInputError(f"{field('lead')} applies to the visits report only", field="lead")
        elif name == "activity":
            options["people"] = tuple(self.app.directory().names())
        elif name == "conformance":
            options = {
                "directory": self.app.directory_as_recorded(recorded or now),
                "backdating": self.app.backdating,
            }
        options.update(owner=self._owner(owner), include_archived=include_archived)
        options["hidden"] = self._hidden(visible_to)
        data = run(name, self._views(), happened, recorded, now=now, **options)
        for section in data["sections"]:
            if section["columns"] and section["columns"][0] == "account":
                for row in section["rows"]:
                    row[0] = str(UUID(row[0]))
        if name == "conformance":
            from kaflow.reporting.recording import keep_shown

            keep_shown(data["sections"][0])
        data["log"] = self._read_at()
        return data

    def _read_at(self, cut: bool = False) -> dict[str, Any] | None:
        """The log position (and the chain's link there) the views were read at, or,
        for a read of the log itself (``cut``), its last."""
        from kaflow.application.audit import read_at

        if cut:
            return read_at(self.app)
        positions = self._views().positions().values()
        return read_at(self.app, min(positions, default=0))

    def dashboard(self, actor: Actor) -> dict[str, Any]:
        """What a dashboard shows, counted in the views: the funnel now (accounts in each
        stage, how many reached it, the conversion to the next), the follow-ups overdue
        and due this week, and the acting user's own open deadlines."""
        from kaflow.projections.deadlines import deadline_counts, open_deadlines
        from kaflow.projections.pipeline import stage_counts
        from kaflow.reporting.reports import STAGES

        self.app.authorise(actor)
        now = self.app.now()
        views = self._views()
        with views.reading() as cursor:
            here, reached = stage_counts(cursor)
            overdue, soon = deadline_counts(cursor, now, WEEK)
        funnel = []
        for n, stage in enumerate([*STAGES, "lost"]):
            following = STAGES[n + 1] if n + 1 < len(STAGES) else None
            ever = reached.get(stage, 0)
            conversion = (
                round(reached.get(following, 0) / ever, 3)
                if following and stage in STAGES and ever
                else None
            )
            funnel.append(
                {"stage": stage, "accounts": here.get(stage, 0), "reached": ever,
                 "next": following, "conversion": conversion}
            )  # fmt: skip
        me = self.app.directory().canonical(actor.name)
        return {
            "funnel": funnel,
            "overdue": overdue,
            "due_this_week": soon,
            "mine": open_deadlines(views, now, lead=me),
        }

    def deadlines(self, actor: Actor, overdue: bool = False) -> list[dict[str, Any]]:
        """Open follow-up deadlines (R11), earliest due first."""
        from kaflow.projections.deadlines import open_deadlines

        hidden = self._hidden(self._scope(actor))
        found = open_deadlines(self._views(), self.app.now(), overdue_only=overdue)
        return [d for d in found if UUID(d["account"]["id"]).hex not in hidden]

    def what_if(self, actor: Actor, within: str) -> dict[str, Any]:
        """Which recorded visits would have missed their follow-up under another window."""
        from kaflow.projections.account_reads import names
        from kaflow.reporting.what_if import what_if

        self.app.authorise(actor)
        span = moments.span(within, "window")
        data = {"follow_up_within": within, **what_if(self.app, span, self.app.now())}
        known = names(self._views())
        for row in data["rows"]:
            row["account"] = {"id": str(UUID(row["account"])), "name": known.get(row["account"])}
        return data

    # -- users and the views --------------------------------------------------------
