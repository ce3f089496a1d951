"""A scripted development of three accounts, through the application service.

One is won; one is lost with a failure analysis; at one a salesperson's visit is
refused under R6 and the visit is then led by a manager.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml

from kaflow import commands as c
from kaflow.aggregates.directory import Role
from kaflow.analysis import TEMPLATE, AnalyseProspect
from kaflow.application import Kaflow
from kaflow.bootstrap import init_workspace, open_app
from kaflow.errors import RuleViolationError


@dataclass(frozen=True)
class Step:
    account: str
    actor: str
    what: str
    ok: bool
    detail: str = ""


class Script:
    def __init__(self, app: Kaflow, start: datetime) -> None:
        self.app = app
        self.start = start
        self.names: dict[UUID, str] = {}

    def day(self, n: float) -> datetime:
        return self.start + timedelta(days=n)

    def do(self, what: str, handler: Callable[[Any], None], cmd: c.ProspectCommand) -> Step:
        name = self.names[cmd.prospect_id]
        try:
            handler(cmd)
        except RuleViolationError as refused:
            return Step(name, cmd.actor, what, ok=False, detail=str(refused))
        state = self.app.get_prospect(cmd.prospect_id).state
        return Step(name, cmd.actor, what, ok=True, detail=f"now {state}")

    def open_account(self, name: str, nature: str, at: datetime) -> tuple[UUID, Step]:
        cmd = c.IdentifyProspect(
            actor="sam", name=name, category=c.Category.POTENTIAL, nature=nature, occurred_at=at
        )
        account = self.app.identify(cmd)
        self.names[account] = name
        return account, Step(name, "sam", "identified and classified (R1)", ok=True)

    def to_visit(self, account: UUID, t: float, lead: str) -> Iterator[Step]:
        """Analysis, approach, first contact, conference, material, visit."""
        a = self.app
        analysis = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
        base = {"prospect_id": account}
        yield self.do(
            "analysed (R2, R3)",
            a.analyse,
            AnalyseProspect.validate(
                {"actor": "sam", "analysis": analysis, "occurred_at": self.day(t), **base}
            ),
        )
        yield self.do(
            "approach chosen in mia's meeting (R4)",
            a.decide_approach,
            c.DecideApproach(
                actor="mia",
                method=c.ApproachMethod.VISIT,
                chair="mia",
                notes="Visit after a call",
                occurred_at=self.day(t + 1),
                **base,
            ),
        )
        yield self.do(
            "first contact by phone (R5)",
            a.record_contact,
            c.RecordContact(
                actor="sam",
                channel=c.ContactChannel.PHONE,
                person="Purchasing director",
                attitude=c.Attitude.POSITIVE,
                notes="Agreed to a visit",
                occurred_at=self.day(t + 2),
                **base,
            ),
        )
        yield self.do(
            "pre-visit conference (R7)",
            a.hold_conference,
            c.HoldConference(
                actor="sam",
                participants=["sam", "mia"],
                notes="Lead with service",
                occurred_at=self.day(t + 3),
                **base,
            ),
        )
        yield self.do(
            "material prepared (R8)",
            a.prepare_material,
            c.PrepareMaterial(
                actor="sam",
                customer_data="Org chart",
                analysis="Cost pressure",
                sales_materials="Case study",
                occurred_at=self.day(t + 3),
                **base,
            ),
        )
        yield self.do(
            f"visit led by {lead} (R6, R9, R10)",
            a.record_visit,
            self.visit(account, lead, self.day(t + 4)),
        )

    def visit(self, account: UUID, lead: str, at: datetime) -> c.RecordVisit:
        return c.RecordVisit(
            actor="sam",
            prospect_id=account,
            lead=lead,
            place="Customer's head office",
            manner=c.VisitManner.FACE_TO_FACE,
            points="Service offer, delivery times",
            views="Interested, worried about price",
            next_steps="Send a quote",
            occurred_at=at,
        )


def run_demo(folder: Path) -> Iterator[Step]:
    """Create a workspace in ``folder`` and develop three accounts in it."""
    app = open_app(init_workspace(folder, "olga", "sqlite:///kaflow.db", "UTC"))
    start = app.clock.now().replace(microsecond=0) - timedelta(days=30)
    for name, role in (("mia", Role.MANAGER), ("sam", Role.SALES)):
        app.add_user(c.AddUser(actor="olga", name=name, role=role, effective_from=start))
    script = Script(app, start + timedelta(days=1))
    yield from _won(script)
    yield from _lost(script)
    yield from _refused_then_led(script)


def _won(s: Script) -> Iterator[Step]:
    account, step = s.open_account("Huadong Building Supplies", "distributor", s.day(0))
    yield step
    yield from s.to_visit(account, 1, lead="mia")
    yield s.do(
        "followed up within a week (R11)",
        s.app.record_follow_up,
        c.RecordFollowUp(
            actor="mia",
            prospect_id=account,
            channel=c.FollowUpChannel.PHONE,
            feedback="Quote accepted",
            occurred_at=s.day(8),
        ),
    )
    yield s.do(
        "won and registered (R12, R14)",
        s.app.win,
        c.WinAccount(
            actor="mia",
            prospect_id=account,
            classification="A",
            summary="Won on service and delivery time",
            occurred_at=s.day(9),
        ),
    )


def _lost(s: Script) -> Iterator[Step]:
    account, step = s.open_account("Northwind Logistics", "logistics group", s.day(2))
    yield step
    yield from s.to_visit(account, 3, lead="mia")
    yield s.do(
        "lost on price, with a failure analysis (R13)",
        s.app.lose,
        c.LoseAccount(
            actor="mia",
            prospect_id=account,
            reason=c.LossReason.PRICE,
            analysis="A competitor undercut us by 12 %",
            occurred_at=s.day(9),
        ),
    )


def _refused_then_led(s: Script) -> Iterator[Step]:
    account, step = s.open_account("Jinling Hospitality", "hotel chain", s.day(4))
    yield step
    steps = list(s.to_visit(account, 5, lead="sam"))
    yield from steps
    yield s.do("visit led by mia instead", s.app.record_visit, s.visit(account, "mia", s.day(10)))
    yield s.do(
        "followed up (R11)",
        s.app.record_follow_up,
        c.RecordFollowUp(
            actor="mia",
            prospect_id=account,
            channel=c.FollowUpChannel.VISIT,
            feedback="Wants a trial order",
            occurred_at=s.day(14),
        ),
    )
