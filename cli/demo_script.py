"""A scripted development of three accounts, through the application service.

One is won; one is lost with a failure analysis; at one a salesperson's visit is
refused under R6 and the visit is then led by a manager. Steps are dated over the
past month, as a team catching up its records would enter them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from cli import errors
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import TEMPLATE, AnalyseProspect
from kaflow.bootstrap import Services, init_workspace
from kaflow.errors import RuleViolationError


@dataclass(frozen=True)
class Step:
    account: str
    actor: str
    what: str
    ok: bool
    detail: str = ""


# (day, actor, what the step is, command, its fields)
Script = list[tuple[int, str, str, type[c.ProspectCommand], dict[str, Any]]]


def _to_visit(lead: str, sales_profit: int) -> Script:
    analysis = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    analysis["forecast"]["sales_profit"] = sales_profit
    return [
        (1, "sam", "analysed (R2, R3)", AnalyseProspect, {"analysis": analysis}),
        (2, "mia", "approach chosen in mia's meeting (R4)", c.DecideApproach,
         {"method": "visit", "chair": "mia", "notes": "Visit after a call"}),
        (3, "sam", "first contact by phone (R5)", c.RecordContact,
         {"channel": "phone", "person": "Purchasing director", "attitude": "positive",
          "notes": "Agreed to a visit"}),
        (4, "sam", "pre-visit conference (R7)", c.HoldConference,
         {"participants": "sam,mia", "notes": "Lead with service"}),
        (4, "sam", "material prepared (R8)", c.PrepareMaterial,
         {"customer_data": "Org chart", "analysis": "Cost pressure",
          "sales_materials": "Case study"}),
        (5, "sam", f"visit led by {lead} (R6, R9, R10)", c.RecordVisit, _visit(lead)),
    ]  # fmt: skip


def _visit(lead: str) -> dict[str, Any]:
    return {"lead": lead, "place": "Customer's head office", "manner": "face-to-face",
            "points": "Service offer, delivery times", "views": "Interested, worried about price",
            "next_steps": "Send a quote"}  # fmt: skip


ACCOUNTS: list[tuple[str, str, Script]] = [
    ("Huadong Building Supplies", "distributor", [
        *_to_visit("mia", 300_000),
        (8, "mia", "followed up within a week (R11)", c.RecordFollowUp,
         {"channel": "phone", "feedback": "Quote accepted"}),
        (9, "mia", "won and registered (R12, R14)", c.WinAccount,
         {"classification": "A", "summary": "Won on service and delivery time"}),
    ]),
    ("Northwind Logistics", "logistics group", [
        *_to_visit("mia", 180_000),
        (9, "mia", "lost on price, with a failure analysis (R13)", c.LoseAccount,
         {"reason": "price", "analysis": "A competitor undercut us by 12 %"}),
    ]),
    ("Jinling Hospitality", "hotel chain", [
        *_to_visit("sam", 420_000),
        (6, "sam", "visit led by mia instead", c.RecordVisit, _visit("mia")),
        (10, "mia", "followed up (R11)", c.RecordFollowUp,
         {"channel": "visit", "feedback": "Wants a trial order"}),
    ]),
]  # fmt: skip


def run_demo(folder: Path) -> Iterator[Step]:
    """Create a workspace in ``folder`` and develop three accounts in it."""
    services = Services(init_workspace(folder, "olga", "sqlite:///kaflow.db", "UTC"))
    try:
        yield from _develop(services)
    finally:
        services.close()


def _develop(services: Services) -> Iterator[Step]:
    app = services.app
    start = app.now().replace(microsecond=0) - timedelta(days=30)
    for name, role in (("mia", c.Role.MANAGER), ("sam", c.Role.SALES)):
        app.add_user(Actor("olga"), c.AddUser(name=name, role=role, effective_from=start))
    for n, (name, nature, script) in enumerate(ACCOUNTS):
        opened = start + timedelta(days=1 + 2 * n)
        account = app.identify(Actor("sam"), c.IdentifyProspect.validate(
            {"name": name, "category": "potential", "nature": nature,
             "occurred_at": opened}))  # fmt: skip
        yield Step(name, "sam", "identified and classified (R1)", ok=True)
        for day, actor, what, command, fields in script:
            cmd = command.validate({**fields, "prospect_id": account,
                                    "occurred_at": opened + timedelta(days=day)})  # fmt: skip
            try:
                app.handle(Actor(actor), cmd)
            except RuleViolationError as refused:
                said = refused.render(errors.option, errors.command)
                yield Step(name, actor, what, ok=False, detail=said)
                continue
            yield Step(name, actor, what, ok=True, detail=f"now {app.get_prospect(account).state}")
