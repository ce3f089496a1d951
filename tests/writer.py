"""A writer process for the concurrency test and the PostgreSQL benchmark.

``python -m tests.writer ROOT IDS SEED N OUT``: N random commands on the accounts listed
in the file IDS, through the application service (what every CLI command calls after
parsing), as the workspace at ROOT. Each command carries a marker of its own ("w7-12")
in one of its texts, so that the test can find the one event it recorded, or that it
recorded none. The outcome of each is written to OUT as JSON: ok, refused (a rule or
the lifecycle) or conflict (still losing to other writers after the retries: exit 4).
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any
from uuid import UUID

from kaflow.aggregates.errors import DomainError
from kaflow.aggregates.lifecycle import allowed_triggers
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.bootstrap import open_app
from kaflow.errors import ConflictError, KaflowError
from kaflow.settings import load

SAM = Actor("sam")
KINDS = ["approach", "contact", "conference", "prepare", "visit", "follow_up", "lose", "reopen"]


def command(kind: str, pid: UUID, marker: str) -> Any:
    base: dict[str, Any] = {"prospect_id": pid}
    match kind:
        case "approach":
            return c.DecideApproach(
                method=c.ApproachMethod.VISIT, chair="mia", notes=marker, **base
            )
        case "contact":
            return c.RecordContact(
                channel=c.ContactChannel.PHONE,
                person="Wang",
                attitude=c.Attitude.POSITIVE,
                notes=marker,
                **base,
            )
        case "conference":
            return c.HoldConference(participants=["sam", "mia"], notes=marker, **base)
        case "prepare":
            return c.PrepareMaterial(
                customer_data="d", analysis=marker, sales_materials="m", **base
            )
        case "visit":
            return c.RecordVisit(
                lead="mia",
                place="HQ",
                manner=c.VisitManner.FACE_TO_FACE,
                points=marker,
                views="v",
                next_steps="n",
                **base,
            )
        case "follow_up":
            return c.RecordFollowUp(channel=c.FollowUpChannel.PHONE, feedback=marker, **base)
        case "lose":
            return c.LoseAccount(reason=c.LossReason.PRICE, analysis=marker, **base)
        case _:
            return c.ReopenAccount(reason=marker, **base)


def choose(rng: random.Random, state: str) -> str:
    """Mostly a step the lifecycle allows from the state as last seen (another writer
    may have moved the account since), now and then any step at all; losing is rare."""
    allowed = [k for k in allowed_triggers(state) if k in KINDS and k != "lose"]
    if allowed and rng.random() < 0.85:
        return rng.choice(allowed)
    return rng.choice(KINDS)


def main(root: str, ids_file: str, seed: int, count: int, out: str) -> None:
    app = open_app(load(root))
    with open(ids_file) as f:
        ids = [UUID(line) for line in f.read().split()]
    rng = random.Random(seed)
    results: list[dict[str, Any]] = []
    lost = [0]
    save = app._save

    def counting_save(*aggregates: Any) -> bool:
        saved = save(*aggregates)
        lost[0] += not saved  # another writer got there first: the command is retried
        return saved

    app._save = counting_save  # type: ignore[method-assign]
    started = time.perf_counter()
    for n in range(count):
        pid = rng.choice(ids)
        marker = f"w{seed}-{n}"
        kind = choose(rng, app.get_prospect(pid).state)
        try:
            app.handle(SAM, command(kind, pid, marker))
            outcome = "ok"
        except ConflictError:
            outcome = "conflict"
        except (KaflowError, DomainError):
            outcome = "refused"
        results.append({"marker": marker, "kind": kind, "account": str(pid), "outcome": outcome})
    elapsed = time.perf_counter() - started
    with open(out, "w") as f:
        json.dump({"seconds": elapsed, "lost_races": lost[0], "results": results}, f)
    app.close()


if __name__ == "__main__":
    root, ids_file, seed, count, out = sys.argv[1:6]
    main(root, ids_file, int(seed), int(count), out)
