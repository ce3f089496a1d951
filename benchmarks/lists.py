"""Finding accounts and reading a report "as of" a moment, at scale: indexed, not scanned.

Two stores hold the same 1,000 accounts worked in January; the big one also holds 99,000
accounts worked from February on. Side by side, in one run, each through the application
(the ``Queries`` every front end calls, views caught up beforehand):
- ``prospect list --search 华东建材``: ten accounts match in either store;
- ``report funnel --as-of <end of January>`` (the work as it stood then) and the same
  ``--recorded-by`` a moment before the later accounts were recorded;
- ``report visits --as-of <end of January>``.
Target: the big store within 2x of the small one for each (the answer is the same size;
only what is not asked for grows). The same through a fresh ``kaflow`` process is printed
for reference (start-up included).

Run:  python -m benchmarks.lists [--accounts 100000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.stores import ANALYSIS, VISIT, close, timed, workspace
from kaflow.aggregates.prospect import Prospect
from kaflow.application.actor import Actor
from kaflow.bootstrap import Services
from kaflow.settings import load

JANUARY = datetime(2026, 1, 1, tzinfo=UTC)
END_OF_JANUARY = "2026-01-31"
CITIES = ["北京", "上海", "广州", "深圳", "成都", "武汉", "南京", "杭州"]
TRADES = ["钢铁", "物流", "化工", "电子", "纺织", "食品", "Steel", "Logistics"]
SEARCH = "华东建材"  # ten of the January accounts, in either store


def name(n: int) -> str:
    if n < 1000 and n % 100 == 7:
        return f"{SEARCH}有限公司 {n}"
    return f"{CITIES[n % 8]}{TRADES[n // 8 % 8]}有限公司 {n}"


def account(app: Any, n: int, visit_at: datetime) -> Prospect:
    """Identified six days before its visit, then the procedure: eight events."""

    def meta(days: int) -> dict[str, Any]:
        return {"actor": "sam", "actor_role": "sales",
                "occurred_at": visit_at - timedelta(days=days)}  # fmt: skip

    p = Prospect(name=name(n), category="potential", nature="distributor",
                 product_line="steel", service="delivery", **meta(6))  # fmt: skip
    p.analyse(ANALYSIS, Decimal("140000.00"), **meta(5))
    p.decide_approach("visit", "mia", "visit them", **meta(4))
    p.record_contact("phone", "Wang", "positive", "keen to meet", **meta(3))
    p.hold_conference(["sam", "mia"], "plan the visit", **meta(2))
    p.prepare_material("their data", "our analysis", "brochure", **meta(2))
    p.record_visit(VISIT, app.policy.deadline(visit_at), **meta(0))
    return p


def visit_at(n: int) -> datetime:
    """The first 1,000 visited in January (from the 8th), the others from February."""
    if n < 1000:
        return JANUARY + timedelta(days=7, minutes=n * 30)
    return JANUARY + timedelta(days=40, minutes=n % 250_000)


def build(root: Path, count: int) -> str:
    """The store, and the moment after its January accounts were recorded."""
    app = workspace(root, JANUARY - timedelta(days=30))
    batch: list[Prospect] = []
    between = ""
    for n in range(count):
        batch.append(account(app, n, visit_at(n)))
        if len(batch) == 500 or n == count - 1 or n == 999:
            app.save(*batch)
            batch.clear()
        if n == 999:
            time.sleep(0.01)
            between = datetime.now(UTC).isoformat()
            time.sleep(0.01)
    close(app)
    services = Services(load(root, environ={}))
    services.views()  # caught up: what a worker or the server keeps current
    close(services.app)
    return between


Read = Callable[[Any], Any]


def reads(between: str) -> dict[str, Read]:
    olga = Actor("olga")
    return {
        f"prospect list --search {SEARCH}": lambda s: s.queries.accounts(olga, search=SEARCH),
        "report funnel --as-of Jan": lambda s: s.queries.report(olga, "funnel", END_OF_JANUARY),
        "report funnel --recorded-by": lambda s: s.queries.report(
            olga, "funnel", recorded_by=between
        ),
        "report visits --as-of Jan": lambda s: s.queries.report(olga, "visits", END_OF_JANUARY),
    }


def best(services: Any, read: Read, rounds: int) -> tuple[float, Any]:
    found = read(services)  # warm: the views are open and cached, as in a server
    times = [timed(lambda: read(services))[0] for _ in range(rounds)]
    return min(times), found


def size(found: Any) -> int:
    if isinstance(found, list):
        return len(found)
    rows = found["sections"][0]["rows"]
    return sum(r[1] for r in rows) if found["report"] == "funnel" else len(rows)


def cli(root: Path, args: list[str], rounds: int) -> float:
    env = {**os.environ, "KAFLOW_USER": "olga"}
    env.pop("KAFLOW_STORE", None)
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli", *args, "--json"], cwd=root, env=env,
                       capture_output=True, check=True)  # fmt: skip
        runs.append(time.perf_counter() - started)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        stores = {}
        for label, count in (("small", 1000), ("big", args.accounts)):
            seconds, between = timed(lambda c=count, lb=label: build(base / lb, c))
            stores[label] = between
            print(f"built {label:>5}: {count:>7,} accounts (8 events each, views caught up) "
                  f"in {seconds:6.1f} s", flush=True)  # fmt: skip
        opened = {lb: Services(load(base / lb, environ={})) for lb in stores}
        for what in reads(""):
            t: dict[str, float] = {}
            n: dict[str, int] = {}
            for label, services in opened.items():
                read = reads(stores[label])[what]
                t[label], found = best(services, read, args.rounds)
                n[label] = size(found)
            assert n["small"] == n["big"], (what, n)  # the same answer in either store
            print(f"{what:<40} {n['big']:>5} found: small {t['small'] * 1000:7.2f} ms, "
                  f"big {t['big'] * 1000:7.2f} ms; ratio {t['big'] / t['small']:5.2f} "
                  "(target <= 2)")  # fmt: skip
        for args_ in (["prospect", "list", "--search", SEARCH],
                      ["report", "funnel", "--as-of", END_OF_JANUARY]):  # fmt: skip
            small, big = (cli(base / lb, args_, 3) for lb in ("small", "big"))
            print(f"kaflow {' '.join(args_):<33} (a fresh process): small {small:.3f} s, "
                  f"big {big:.3f} s; ratio {big / small:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
