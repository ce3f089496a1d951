"""Each step's command by the name front ends give it (the importer's sheets, the API's
routes): the procedure's steps in the lifecycle's order, then the record's and the
account's own commands."""

from __future__ import annotations

from kaflow.application import commands as c
from kaflow.application.account_commands import ArchiveAccount, AssignAccount, EditAccount
from kaflow.application.analysis import AnalyseProspect

PROCEDURE: dict[str, type[c.ProspectCommand]] = {
    "analyse": AnalyseProspect,
    "approach": c.DecideApproach,
    "contact": c.RecordContact,
    "conference": c.HoldConference,
    "prepare": c.PrepareMaterial,
    "visit": c.RecordVisit,
    "follow-up": c.RecordFollowUp,
    "win": c.WinAccount,
    "lose": c.LoseAccount,
    "reopen": c.ReopenAccount,
    "review": c.ReviewRecord,
}
EVERY: dict[str, type[c.ProspectCommand]] = {
    **PROCEDURE,
    "correct": c.CorrectEntry,
    "assign": AssignAccount,
    "edit": EditAccount,
    "archive": ArchiveAccount,
}
