"""Make a golden store: a workspace written by this release, which every later release
must load, rebuild and report on unchanged (tests/cli/test_golden_store.py).

Run it ONLY when cutting a new golden store for a new release, never to "fix" a failing
golden test (that test failing means old stores no longer load the same: add an upcaster
instead). It writes ``tests/golden/v<RELEASE>/`` (kaflow.toml, kaflow.db) and the CLI's
``--json`` outputs in ``expected/``, with the commands that made them
(``expected/commands.json``, which the test runs again)::

    python tests/golden/make_store.py 0.2

Everything is driven through the CLI with a fixed clock: the times the steps happened,
the times they were recorded (the library's event timestamps) and the accounts' ids are
all fixed, so two runs write the same content. It covers users and a role change,
accounts in every state (won, lost, reopened among them), a correction, a review, a
missed follow-up noticed by the scheduler, and snapshots (one account has more than
20 events).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock
from uuid import UUID

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from cli.context import Env  # noqa: E402
from cli.main import cli  # noqa: E402
from kaflow.application.analysis import TEMPLATE  # noqa: E402
from kaflow.clock import FixedClock  # noqa: E402

HERE = Path(__file__).resolve().parent
START = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # 06:00 on 2 March in the workspace's zone
# After everything in the store: reads that depend on "now" are pinned to it.
AS_OF = "2026-06-30"
AFTER = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
USER = "olga"  # who reads

# The names given to accounts, in the order they are added: their ids are fixed.
ACCOUNTS = [
    "Acme Trading",  # won after three visits; reviewed, corrected; >20 events, snapshots
    "Beacon Foods",  # identified
    "Cathay Metals",  # analysed
    "Delta Logistics",  # contacted
    "Eastern Pharma",  # visited; its follow-up missed, noticed by the scheduler
    "Fujian Glass",  # followed up
    "Gobi Energy",  # lost
    "Huadong Supplies",  # lost, then reopened
]


def account_id(number: int) -> UUID:
    return UUID(int=0x0D1D0000_0000_4000_8000_000000000000 + number)


class Store:
    """The CLI, in-process, in the workspace ``folder``, with a clock that only moves
    when told; event timestamps and new ids come from it too."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.clock = FixedClock(START)
        self.runner = CliRunner()
        self.ids = 0

    def at(self, when: str | datetime) -> None:
        moment = when if isinstance(when, datetime) else datetime.fromisoformat(when)
        assert moment >= self.clock.now(), ("the clock only moves on", moment)
        self.clock.advance(moment - self.clock.now())

    def not_before(self, when: str) -> None:
        """Move the clock on to ``when`` if it is not there yet."""
        self.at(max(self.clock.now(), datetime.fromisoformat(when)))

    def __call__(self, *args: str, user: str = "sam", read: bool = False) -> str:
        if not read:
            self.clock.advance(timedelta(minutes=1))  # each step recorded a minute later
        result = self.runner.invoke(
            cli, list(args), obj=Env(clock=self.clock, cwd=str(self.folder)),
            env={"KAFLOW_USER": user, "KAFLOW_STORE": None},
        )  # fmt: skip
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    def new_id(self) -> UUID:
        self.ids += 1
        return account_id(self.ids)


@contextmanager
def deterministic(store: Store) -> Iterator[None]:
    """The library's clock (event timestamps) and id generator, replaced by the store's."""
    with (
        mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", store.clock.now),
        mock.patch("eventsourcing.domain.uuid4", store.new_id),
    ):
        yield


def cycle(run: Store, pid: str, day: str, lead: str = "mia", follow: str | None = None) -> None:
    """Conference, material and a visit on ``day``; a follow-up on ``follow``."""
    run("conference", pid, "--participants", f"sam,{lead}", "--notes", "plan the visit",
        "--at", f"{day}T10:00")  # fmt: skip
    run("prepare", pid, "--customer-data", "purchasing history", "--analysis",
        "margin pressure", "--sales-materials", "brochure, samples",
        "--at", f"{day}T11:00")  # fmt: skip
    run("visit", pid, "--lead", lead, "--place", "their head office", "--manner",
        "face-to-face", "--points", "offer and terms", "--views", "interested",
        "--next-steps", "send a quote", "--at", f"{day}T15:00")  # fmt: skip
    if follow:
        run.not_before(f"{follow}T12:00:00+08:00")
        run("follow-up", pid, "--channel", "phone", "--feedback", "quote received well",
            "--at", f"{follow}T10:00")  # fmt: skip


def populate(run: Store) -> list[str]:
    run("init", "--owner", "olga", "--timezone", "Asia/Shanghai")
    run("user", "add", "mia", "--role", "manager", "--since", "2026-03-01", user="olga")
    run("user", "add", "sam", "--role", "sales", "--since", "2026-03-01", user="olga")
    run("user", "add", "dan", "--role", "sales", "--since", "2026-03-01", user="olga")
    run("user", "role", "dan", "--role", "manager", "--since", "2026-03-20", user="olga")

    ids = []
    for number, name in enumerate(ACCOUNTS):
        run.at(f"2026-03-02T0{1 + number // 4}:{number % 4}0:00+00:00")
        ids.append(
            run("prospect", "add", name, "--category", "potential" if number % 2 else "existing",
                "--nature", "distributor", "--product-line", "coatings", "--service",
                "technical support", "--at", "2026-03-02T09:00").strip()
        )  # fmt: skip
    acme, beacon, cathay, delta, eastern, fujian, gobi, huadong = ids
    del beacon  # stays identified

    run.at("2026-03-03T01:00:00+00:00")
    for pid in (acme, cathay, delta, eastern, fujian, gobi, huadong):
        run("analyse", pid, "--file", "analysis.yaml", "--at", "2026-03-03T09:00")
    run.at("2026-03-04T07:00:00+00:00")
    for pid in (acme, delta, eastern, fujian, gobi):
        run("approach", pid, "--method", "visit", "--chair", "mia", "--notes",
            "a visit suits a distributor", "--at", "2026-03-04T09:00")  # fmt: skip
        run("contact", pid, "--channel", "phone", "--person", "Wang Li", "--attitude",
            "positive", "--notes", "agreed to meet", "--at", "2026-03-04T14:00")  # fmt: skip

    run.at("2026-03-05T12:00:00+00:00")
    cycle(run, acme, "2026-03-05", follow="2026-03-07")
    cycle(run, fujian, "2026-03-05", follow="2026-03-08")
    cycle(run, eastern, "2026-03-05")  # no follow-up: missed on the 12th
    run.at("2026-03-13T01:00:00+00:00")
    run("scheduler", "tick", "--json")

    run.at("2026-03-16T12:00:00+00:00")
    run("lose", gobi, "--reason", "price", "--analysis", "their budget was cut",
        "--at", "2026-03-16T10:00")  # fmt: skip
    run("lose", huadong, "--reason", "competitor", "--analysis", "a local plant was cheaper",
        "--at", "2026-03-16T11:00")  # fmt: skip
    run.at("2026-03-25T12:00:00+00:00")
    run("reopen", huadong, "--reason", "the local plant closed", "--at", "2026-03-25T10:00")
    cycle(run, acme, "2026-03-25", lead="dan", follow="2026-03-27")  # dan, manager now
    run.at("2026-04-08T12:00:00+00:00")
    cycle(run, acme, "2026-04-08", follow="2026-04-10")
    run.at("2026-04-15T12:00:00+00:00")
    run("win", acme, "--classification", "A", "--summary", "technical support won it",
        "--at", "2026-04-15T10:00", user="mia")  # fmt: skip
    run.at("2026-04-20T02:00:00+00:00")
    run("correct", acme, "--entry", "2", "--field", "person", "--value", "Wang Lei",
        "--reason", "name misspelt", user="mia")  # fmt: skip
    run("review", acme, "--remarks", "complete; a model account", user="mia")
    return ids


def commands(ids: list[str]) -> dict[str, list[str]]:
    """What the golden test compares: the CLI's ``--json`` outputs, by file name."""
    found = {"prospect-list.json": ["prospect", "list", "--json"]}
    for pid in ids:
        found[f"history-{pid}.json"] = ["history", pid, "--json"]
        found[f"ledger-{pid}.json"] = ["ledger", pid, "--json"]
    for name in ("funnel", "conformance"):
        found[f"report-{name}.json"] = ["report", name, "--as-of", AS_OF, "--json"]
    found["deadlines.json"] = ["deadlines", "--json"]
    return found


def main(release: str) -> None:
    folder = HERE / f"v{release}"
    if folder.exists():
        sys.exit(f"{folder} exists: a golden store is never made again (pick a new release)")
    folder.mkdir()
    os.chdir(folder)
    run = Store(folder)
    with deterministic(run):
        (folder / "analysis.yaml").write_text(TEMPLATE.read_text(encoding="utf-8"))
        ids = populate(run)
        (folder / "analysis.yaml").unlink()
        run.at(AFTER)
        reads = commands(ids)
        expected = {name: run(*args, user=USER, read=True) for name, args in reads.items()}
    db = sqlite3.connect(folder / "kaflow.db")
    db.execute("VACUUM")
    db.close()
    for leftover in folder.iterdir():  # the workspace is its settings and its store
        if leftover.name not in ("kaflow.toml", "kaflow.db"):
            leftover.unlink()
    (folder / "expected").mkdir()
    for name, text in expected.items():
        data = json.loads(text)  # each is one JSON document
        (folder / "expected" / name).write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    # How to read the store again (tests/cli/test_golden_store.py): as whom, when, what.
    what = {"user": USER, "now": AFTER.isoformat(), "commands": reads}
    (folder / "expected" / "commands.json").write_text(json.dumps(what, indent=2) + "\n")
    print(f"wrote {folder}: {len(expected)} expected outputs")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
