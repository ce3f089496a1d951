"""Importing a team's workbook: rows per second against the application's own command
rate, in one run, and the peak memory of an import as the file grows.

- the import: ``Importer.run`` on an xlsx of N accounts, each identified, then
  analysed, approach, contact and a conference (five rows; a row is one command);
- the same commands typed one by one (``Kaflow.identify`` and ``Kaflow.handle``, each
  saved on its own), on a store of the same size: the rate the importer is compared with
  (target: at least 0.8x);
- the peak memory of a fresh process importing files of N/4, N/2 and N accounts.

Run:  python -m benchmarks.importer [--accounts 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from benchmarks.stores import ANALYSIS, close, timed, workspace
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import AnalyseProspect
from kaflow.bootstrap import Services
from kaflow.settings import load

START = datetime(2026, 1, 5, tzinfo=UTC)
ROWS_PER_ACCOUNT = 5
PEAK = """
import json, resource, sys, time
from pathlib import Path
from kaflow.application.actor import Actor
from kaflow.application.analysis import AnalyseProspect
from kaflow.bootstrap import Services
from kaflow.settings import load
services = Services(load(sys.argv[1], environ={}))
started = time.perf_counter()
data = services.importer(Actor("mia"), Path(sys.argv[2])).run()
print(json.dumps({"seconds": time.perf_counter() - started, "imported": data["imported"],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def when(n: int, step: int) -> str:
    return (START + timedelta(minutes=n, hours=step)).isoformat()


def write(path: Path, accounts: int) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("accounts")
    sheet.append(["account", "name", "category", "nature", "identified at"])
    for n in range(accounts):
        sheet.append([f"A{n}", f"Account {n} 有限公司", "potential", "distributor", when(n, 0)])
    steps = book.create_sheet("steps")
    steps.append(["account", "step", "when", "method", "chair", "channel", "person",
                  "attitude", "participants", "notes", "analysis file"])  # fmt: skip
    for n in range(accounts):
        steps.append([f"A{n}", "analyse", when(n, 1), *[""] * 7, "analysis.yaml"])
        steps.append([f"A{n}", "approach", when(n, 2), "visit", "mia", "", "", "", "", "go"])
        steps.append([f"A{n}", "contact", when(n, 3), "", "", "phone", "Wang", "positive",
                      "", "keen"])  # fmt: skip
        steps.append([f"A{n}", "conference", when(n, 4), "", "", "", "", "", "sam,mia", "plan"])
    book.save(path)
    return path


def typed(root: Path, accounts: int) -> float:
    """The same commands, one by one through the application, each saved alone."""
    services = Services(load(root, environ={}))
    app, mia = services.app, Actor("mia")

    def run() -> None:
        for n in range(accounts):
            at = START + timedelta(minutes=n)
            pid = app.identify(mia, c.IdentifyProspect(
                name=f"Account {n}", category=c.Category.POTENTIAL, nature="distributor",
                occurred_at=at))  # fmt: skip
            app.handle(mia, AnalyseProspect.validate({"prospect_id": pid, "analysis": ANALYSIS,
                       "occurred_at": at + timedelta(hours=1)}))  # fmt: skip
            app.handle(mia, c.DecideApproach(prospect_id=pid, method=c.ApproachMethod.VISIT,
                       chair="mia", notes="go", occurred_at=at + timedelta(hours=2)))  # fmt: skip
            app.handle(mia, c.RecordContact(prospect_id=pid, channel=c.ContactChannel.PHONE,
                       person="Wang", attitude=c.Attitude.POSITIVE, notes="keen",
                       occurred_at=at + timedelta(hours=3)))  # fmt: skip
            app.handle(mia, c.HoldConference(prospect_id=pid, participants=("sam", "mia"),
                       notes="plan", occurred_at=at + timedelta(hours=4)))  # fmt: skip

    seconds, _ = timed(run)
    close(app)
    return accounts * ROWS_PER_ACCOUNT / seconds


def imported(root: Path, path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", PEAK, str(root), str(path)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()
    n = args.accounts
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name in ("typed", "q", "h", "full"):
            close(workspace(base / name, START - timedelta(days=30)))
        sizes = {"q": n // 4, "h": n // 2, "full": n}
        files = {k: write(base / f"{k}.xlsx", v) for k, v in sizes.items()}
        (base / "analysis.yaml").write_text(json.dumps(ANALYSIS), encoding="utf-8")
        rate = typed(base / "typed", n)
        runs = {k: imported(base / k, files[k]) for k in ("q", "h", "full")}
        full = runs["full"]
        rows = n * ROWS_PER_ACCOUNT
        print(f"typed one by one : {rate:8,.0f} commands/s ({n:,} accounts)")
        print(
            f"import           : {rows / full['seconds']:8,.0f} rows/s ({n:,} accounts, "
            f"{rows:,} rows, {full['seconds']:.1f} s, {full['imported']:,.0f} imported)"
        )
        print(f"ratio import/typed: {rows / full['seconds'] / rate:.2f} (target >= 0.8)")
        memory = ", ".join(f"{runs[k]['peak_mib']:.0f} MiB at {sizes[k]:,} accounts"
                           for k in ("q", "h", "full"))  # fmt: skip
        print(f"peak memory of an import: {memory}")


if __name__ == "__main__":
    main()
