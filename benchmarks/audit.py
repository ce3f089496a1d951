"""What the verifiable log and sealed personal data cost, measured side by side in one run.

- commands per second through the application with the hash chain and sealing (kaflow as
  it runs) versus the library's own SQLite recorder with nothing sealed, on stores of
  the same size, rounds interleaved (target: at least 0.8x);
- ``audit verify`` over a log of N events (default 1,000,000) versus reading and decoding
  the same log (target: at least 0.5x the rate);
- the peak memory of a fresh process verifying the log at N/4, N/2 and N events (flat).

Run:  python -m benchmarks.audit [--events 1000000] [--accounts 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.stores import close, fill, workspace
from kaflow.aggregates.directory import Role
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import TEMPLATE, AnalyseProspect
from kaflow.application.service import Kaflow
from kaflow.bootstrap import keyring, open_app
from kaflow.settings import load

SAM, MIA = Actor("sam"), Actor("mia")
START = datetime(2026, 1, 5, tzinfo=UTC)
EVENTS_PER_ACCOUNT = 7  # visited_account: identified ... visited
VERIFY = """
import json, resource, sys, time
from kaflow.application.actor import Actor
from kaflow.bootstrap import Services
from kaflow.settings import load
services = Services(load(sys.argv[1], environ={}))
started = time.perf_counter()
report = services.audit.verify(Actor("olga"))
print(json.dumps({"seconds": time.perf_counter() - started, "events": report["events"],
                  "intact": report["intact"],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
DECODE = """
import json, sys, time
from kaflow.bootstrap import Services
from kaflow.settings import load
app = Services(load(sys.argv[1], environ={})).app
started, count, position = time.perf_counter(), 0, 0
while True:
    page = app.recorder.select_notifications(position, limit=2000, inclusive_of_start=False)
    for n in page:
        app.mapper.to_domain_event(n)
    count += len(page)
    if len(page) < 2000:
        break
    position = page[-1].id
print(json.dumps({"seconds": time.perf_counter() - started, "events": count}))
"""


def application(root: Path, plain: bool) -> Kaflow:
    """The workspace's application as kaflow runs it, or (``plain``) on the library's
    own recorder with nothing sealed."""
    settings = load(root, environ={})
    if not plain:
        app = open_app(settings)
        app.keyring = keyring(app, settings)
        return app
    env = settings.store_url.library_env(lock_timeout=settings.lock_timeout)
    env.pop("APPLICATION_RECORDER_TOPIC")
    return Kaflow(env=env, zone=settings.timezone)


def commands(app: Kaflow, accounts: int, first: int) -> int:
    """Each account identified, analysed (decision makers' details: sealed), approached,
    contacted, conferred on and prepared for (customer data: sealed); the count."""
    import yaml

    analysis = yaml.safe_load(TEMPLATE.read_text("utf-8"))
    done = 0
    for n in range(first, first + accounts):
        at = START + timedelta(minutes=n)
        pid = app.identify(SAM, c.IdentifyProspect(
            name=f"Account {n}", category=c.Category.POTENTIAL, nature="d", occurred_at=at,
            allow_duplicate=True))  # fmt: skip
        fields = {"prospect_id": pid, "analysis": analysis, "occurred_at": at + timedelta(hours=1)}
        app.handle(SAM, AnalyseProspect.validate(fields))
        app.handle(MIA, c.DecideApproach(prospect_id=pid, method=c.ApproachMethod.VISIT,
                   chair="mia", notes="go", occurred_at=at + timedelta(hours=2)))  # fmt: skip
        app.handle(SAM, c.RecordContact(prospect_id=pid, channel=c.ContactChannel.PHONE,
                   person="Wang", attitude=c.Attitude.POSITIVE, notes="keen",
                   occurred_at=at + timedelta(hours=3)))  # fmt: skip
        app.handle(SAM, c.HoldConference(prospect_id=pid, participants=["sam", "mia"],
                   notes="plan", occurred_at=at + timedelta(hours=4)))  # fmt: skip
        app.handle(SAM, c.PrepareMaterial(prospect_id=pid,
                   customer_data="Chairman's family, health, interests", analysis="a",
                   sales_materials="m", occurred_at=at + timedelta(hours=5)))  # fmt: skip
        done += 6
    return done


def command_rates(folder: Path, accounts: int, rounds: int) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"chained": [], "plain": []}
    roots = {}
    for kind in rates:
        roots[kind] = folder / kind
        app = workspace(roots[kind], START - timedelta(days=30))
        close(app)
    for r in range(rounds):
        for kind in rates if r % 2 == 0 else reversed(list(rates)):
            app = application(roots[kind], plain=kind == "plain")
            started = time.perf_counter()
            count = commands(app, accounts, r * accounts)
            rates[kind].append(count / (time.perf_counter() - started))
            app.close()
    chained, plain = statistics.median(rates["chained"]), statistics.median(rates["plain"])
    return {"chained": chained, "plain": plain, "ratio": chained / plain}


def build(root: Path, events: int, have: int) -> int:
    """The workspace's log grown to about ``events`` events; how many accounts it has."""
    app = open_app(load(root, environ={}))
    accounts = (events - have) // EVENTS_PER_ACCOUNT
    first = have // EVENTS_PER_ACCOUNT
    fill(app, accounts, lambda n: START + timedelta(minutes=n), start=first)
    close(app)
    return accounts


def run(script: str, root: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=300, help="per round, for the rate")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rates = command_rates(folder, args.accounts, args.rounds)
        print(
            f"commands: chained and sealed {rates['chained']:.0f}/s, plain "
            f"{rates['plain']:.0f}/s, ratio {rates['ratio']:.2f} (target >= 0.8)"
        )
        if args.events == 0:
            return
        root = folder / "log"
        app = workspace(root, START - timedelta(days=30))
        for name, role in (("dan", Role.DIRECTOR),):
            app.add_user(Actor("olga"), c.AddUser(name=name, role=role, effective_from=START))
        close(app)
        have = 4
        peaks = []
        for size in (args.events // 4, args.events // 2, args.events):
            build(root, size, have)
            have = size
            verified = run(VERIFY, root)
            assert verified["intact"], verified
            peaks.append((verified["events"], verified["peak_mib"]))
        decoded = run(DECODE, root)
        verify_rate = verified["events"] / verified["seconds"]
        decode_rate = decoded["events"] / decoded["seconds"]
        print(
            f"audit verify: {verified['events']:,} events in {verified['seconds']:.1f} s "
            f"({verify_rate:,.0f}/s); reading and decoding the same log "
            f"{decoded['seconds']:.1f} s ({decode_rate:,.0f}/s); ratio "
            f"{verify_rate / decode_rate:.2f} (target >= 0.5)"
        )
        print(
            "audit verify peak memory: "
            + ", ".join(f"{mib:.0f} MiB at {n:,} events" for n, mib in peaks)
        )


if __name__ == "__main__":
    main()
