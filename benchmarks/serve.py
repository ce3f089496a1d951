"""``kaflow serve`` through HTTP, side by side with the application in process, in one run.

A real ``kaflow serve`` process (uvicorn, one worker, on 127.0.0.1 and a free port,
started and stopped here) on a workspace of 10,000 visited accounts (built fast, as
``benchmarks.stores`` does) and a few hundred more ready for a contact:
- commands: ``POST /api/v1/accounts/{id}/contact`` with a manager's API token, from 1, 4
  and 16 clients at once (threads, each with its own httpx connection and accounts of
  its own), as commands per second and p50/p99 latency; beside the in-process
  application's rate on the same store in the same run (``app.handle``, sequential, its
  aggregates cached as the server's are) and, on SQLite, raw single-row commits on the
  same file settings (the physical limit);
- reads with 10,000 accounts: the accounts page (first and last page, a search), the
  dashboard, ``GET /api/v1/accounts?limit=25``, one client, p50; and, in process, a
  page of 25 (paged in the views) beside the whole list (every summary loaded);
- on PostgreSQL (a throwaway server, as the tests start one; skipped with a line if it
  cannot start): the same, and 16 clients on two server processes sharing the store
  versus on one.

Targets: at 4 clients, HTTP >= 0.5x in process and p99 <= 50 ms on SQLite; the pages'
p50 <= 100 ms with 10,000 accounts.

Run:  python -m benchmarks.serve [--quick] [--accounts 10000] [--commands 600] [--workers 1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from benchmarks.commands import raw_setup
from benchmarks.stores import ANALYSIS, fill, timed
from kaflow.aggregates.directory import Role
from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.bootstrap import Services
from kaflow.settings import load
from kaflow.workspace import init_workspace

OLGA, MIA = Actor("olga"), Actor("mia")
LEVELS = (1, 4, 16)
EACH = 2  # accounts per client: its commands go round them
CONTACT = {"channel": "phone", "person": "Wang", "attitude": "positive", "notes": "call"}


# -- the store -------------------------------------------------------------------------


def workspace(root: Path, url: str, visited: int) -> Services:
    """olga (owner), mia (manager), sam (sales); ``visited`` accounts visited over the
    last weeks (their follow-ups open, some overdue): the pages' 10,000."""
    root.mkdir(parents=True)
    now = datetime.now(UTC)
    init_workspace(root, "olga", url, "UTC", since=(now - timedelta(days=400)).isoformat())
    services = Services(load(root, environ={}))
    since = now - timedelta(days=365)
    for name, role in (("mia", Role.MANAGER), ("sam", Role.SALES)):
        services.app.add_user(OLGA, c.AddUser(name=name, role=role, effective_from=since))
    start = now - timedelta(days=20)
    fill(services.app, visited, lambda n: start + timedelta(seconds=n * 150))
    return services


def ready(services: Services, count: int, label: str) -> list[UUID]:
    """``count`` accounts analysed and with an approach decided: a contact may follow,
    again and again."""
    when = datetime.now(UTC) - timedelta(days=2)
    meta: dict[str, Any] = {"actor": "sam", "actor_role": "sales", "occurred_at": when}
    made = []
    for n in range(count):
        p = Prospect(name=f"{label} {n}", category="potential", nature="distributor",
                     product_line="steel", service="delivery", **meta)  # fmt: skip
        p.analyse(ANALYSIS, Decimal("140000.00"), **meta)
        p.decide_approach("visit", "mia", "call them", **meta)
        made.append(p)
    services.app.save(*made)
    return [p.id for p in made]


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


def start(root: Path, workers: int = 1) -> Server:
    port = free_port()
    log = root / f"serve-{port}.log"
    env = {**os.environ}
    for name in ("KAFLOW_STORE", "KAFLOW_USER"):
        env.pop(name, None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kaflow serve exited {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return server
        time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"kaflow serve did not answer in 60 s:\n{log.read_text()}")


def stop(server: Server) -> int:
    server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(40)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()


@contextlib.contextmanager
def serving(root: Path, count: int = 1, workers: int = 1) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(start(root, workers))
        yield servers
    finally:
        for server in servers:
            code = stop(server)
            if code != 0:
                print(f"  (kaflow serve exited {code}; its log: {server.log})")


# -- measuring -------------------------------------------------------------------------


@dataclass
class Rate:
    per_second: float
    p50: float  # seconds
    p99: float
    failed: int
    server_cpu: float | None = None  # seconds of CPU per command: the servers'
    client_cpu: float | None = None  # and the clients' (this process)


def cpu_seconds(servers: list[Server]) -> float | None:
    """CPU time (user and system) of the server processes and their workers so far;
    None without psutil (it comes with the test extras)."""
    try:
        import psutil
    except ImportError:
        return None
    total = 0.0
    for server in servers:
        process = psutil.Process(server.process.pid)
        for each in [process, *process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = each.cpu_times()
                total += times.user + times.system
    return total


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def over_http(servers: list[Server], token: str, ids: list[UUID], clients: int, total: int) -> Rate:
    """``total`` contacts from ``clients`` threads at once, client k on ``servers[k % n]``
    and on accounts of its own; the rate over the wall time until the last one is done."""
    shares = [ids[k * EACH : (k + 1) * EACH] for k in range(clients)]
    assert all(len(s) == EACH for s in shares), "not enough accounts"
    each = total // clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failed = [0] * clients
    gate = threading.Barrier(clients + 1)
    headers = {"Authorization": f"Bearer {token}"}

    def client(k: int) -> None:
        with httpx.Client(base_url=servers[k % len(servers)].url, headers=headers,
                          timeout=60) as http:  # fmt: skip
            http.get("/healthz")  # connected before the start
            gate.wait()
            for n in range(each):
                began = time.perf_counter()
                answer = http.post(f"/api/v1/accounts/{shares[k][n % EACH]}/contact",
                                   json=CONTACT)  # fmt: skip
                latencies[k].append(time.perf_counter() - began)
                if answer.status_code != 200:
                    failed[k] += 1
                    if failed[k] == 1:
                        print(f"  ! {answer.status_code} {answer.text[:200]}", flush=True)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    gate.wait()
    began = time.perf_counter()
    served, mine = cpu_seconds(servers), os.times()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    served_after, mine_after = cpu_seconds(servers), os.times()
    every = [s for samples in latencies for s in samples]
    rate = Rate(len(every) / wall, percentile(every, 0.5), percentile(every, 0.99), sum(failed))
    if served is not None and served_after is not None:
        rate.server_cpu = (served_after - served) / len(every)
    rate.client_cpu = (mine_after.user + mine_after.system - mine.user - mine.system) / len(every)
    return rate


def in_process(services: Services, ids: list[UUID], total: int) -> float:
    """Contacts per second through the application itself, one after another."""
    app = services.app

    def contact(n: int) -> None:
        app.handle(MIA, c.RecordContact.validate({"prospect_id": ids[n % len(ids)], **CONTACT}))

    for n in range(len(ids)):  # warm: the aggregates cached, as a server keeps them
        contact(n)
    began = time.perf_counter()
    for n in range(total):
        contact(n)
    return total / (time.perf_counter() - began)


def raw_sqlite(folder: Path, total: int) -> float:
    op = raw_setup(folder)
    began = time.perf_counter()
    for n in range(total):
        op(n)
    return total / (time.perf_counter() - began)


def reads_over_http(server: Server, token: str, rounds: int, pages: int) -> dict[str, float]:
    """p50 (seconds) of each read, one client, one after another."""
    asked = {
        "accounts page 1": "/accounts",
        f"accounts page {pages} (last)": f"/accounts?page={pages}",
        "accounts page, search 'Account 123'": "/accounts?search=Account%20123",
        "accounts page, state visited, htmx": "/accounts?state=visited",
        "dashboard": "/",
        "GET /api/v1/accounts?limit=25": "/api/v1/accounts?limit=25",
    }
    found: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        for label, path in asked.items():
            extra = {"HX-Request": "true"} if "htmx" in label else {}
            first = http.get(path, headers=extra)
            assert first.status_code == 200, (path, first.status_code, first.text[:300])
            samples = []
            for _ in range(rounds):
                began = time.perf_counter()
                answer = http.get(path, headers=extra)
                samples.append(time.perf_counter() - began)
                assert answer.status_code == 200
            found[label] = statistics.median(samples)
    return found


def page_versus_whole(services: Services) -> tuple[float, float, int]:
    """In process: a page of 25 (paged in the views) and the whole list (every
    account's summary loaded, as the API and the page did before), and how many."""
    queries = services.queries
    middle = queries.accounts(OLGA, limit=0)["total"] // 2
    page = min(timed(lambda: queries.accounts(OLGA, limit=25, offset=middle))[0] for _ in range(5))
    whole, rows = timed(lambda: queries.accounts(OLGA))
    return page, whole, len(rows)


# -- the run ----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.1f} ms"


def engine(label: str, root: Path, url: str, args: argparse.Namespace) -> None:
    pools_needed = len(LEVELS) + (2 if label == "postgresql" else 0)
    seconds, services = timed(lambda: workspace(root, url, args.accounts))
    pools = [ready(services, max(LEVELS) * EACH, f"Ready {k}") for k in range(pools_needed)]
    mine = ready(services, 16, "In process")
    services.views().catch_up()
    token = services.credentials.issue_token(MIA, "bench")["token"]
    reader = services.credentials.issue_token(OLGA, "bench-reads", read_only=True)["token"]
    print(f"[{label}] built {args.accounts:,} visited accounts and "
          f"{sum(map(len, pools)) + len(mine)} ready for a contact in {seconds:.1f} s "
          "(views caught up)", flush=True)  # fmt: skip

    alone = [in_process(services, mine, args.commands)]
    raw = raw_sqlite(root, args.commands) if label == "sqlite" else None
    with serving(root, workers=args.workers) as (server,):
        rates = {n: over_http([server], token, pools[i], n, args.commands)
                 for i, n in enumerate(LEVELS)}  # fmt: skip
        reads = reads_over_http(server, reader, args.rounds, -(-args.accounts // 25))
    alone.append(in_process(services, mine, args.commands))  # again, the server stopped
    local = statistics.mean(alone)
    line = f"[{label}] in process  {local:7.0f} commands/s (app.handle, sequential; "
    line += f"runs {', '.join(f'{a:.0f}' for a in alone)})"
    if raw is not None:
        line += f"; raw sqlite commits {raw:7.0f}/s, in process/raw = {local / raw:.2f}"
    print(line)
    for n, r in rates.items():
        goal = ""
        if n == 4:
            goal = "  (target >= 0.50" + ("; p99 <= 50 ms)" if label == "sqlite" else ")")
        print(f"[{label}] HTTP {n:>2} client{'s' if n > 1 else ' '} {r.per_second:7.0f} "
              f"commands/s  p50 {ms(r.p50)}  p99 {ms(r.p99)}  failed {r.failed}  "
              f"HTTP/in-process = {r.per_second / local:.2f}{goal}")  # fmt: skip
    r = rates[4]
    if r.server_cpu is not None and r.client_cpu is not None:
        # The CPU a command costs the server and the clients, on the CPUs they share:
        # the rate no scheduling could exceed on this machine.
        ceiling = (os.cpu_count() or 1) / (r.server_cpu + r.client_cpu)
        print(f"[{label}] CPU per command at 4 clients: server {ms(r.server_cpu)}, "
              f"in process {ms(1 / local)}, clients {ms(r.client_cpu)}; on "
              f"{os.cpu_count()} CPUs at most {ceiling:.0f} commands/s = "
              f"{ceiling / local:.2f} x in process")  # fmt: skip
    for what, p50 in reads.items():
        print(f"[{label}] {args.accounts:,} accounts: {what:<38} p50 {ms(p50)}  "
              "(target <= 100 ms)")  # fmt: skip
    page, whole, count = page_versus_whole(services)
    print(f"[{label}] in process: a page of 25 of {count:,} {ms(page)}; the whole list "
          f"(every summary) {ms(whole)}; whole/page = {whole / page:.0f}x")  # fmt: skip
    if label == "postgresql":
        n = max(LEVELS)
        with serving(root, 2) as servers:
            one = over_http(servers[:1], token, pools[-2], n, args.commands)
            two = over_http(servers, token, pools[-1], n, args.commands)
        print(f"[{label}] {n} clients on one server {one.per_second:7.0f} commands/s "
              f"(p99 {ms(one.p99)}), on two servers {two.per_second:7.0f} commands/s "
              f"(p99 {ms(two.p99)}); two/one = {two.per_second / one.per_second:.2f}")  # fmt: skip
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer commands and rounds")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--commands", type=int, default=None, help="per measurement")
    parser.add_argument("--rounds", type=int, default=None, help="per read")
    parser.add_argument("--workers", type=int, default=1, help="kaflow serve --workers")
    args = parser.parse_args()
    args.commands = args.commands or (192 if args.quick else 640)
    args.rounds = args.rounds or (7 if args.quick else 21)
    print(f"{os.cpu_count()} CPUs; {args.commands} commands a measurement, "
          f"{args.rounds} rounds a read; kaflow serve --workers {args.workers}",
          flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine("sqlite", folder / "sqlite", "sqlite:///kaflow.db", args)
        try:
            from tests import postgres

            server = postgres.start()
        except Exception as error:  # no server binaries, no pytest-postgresql, ...
            print(f"[postgresql] skipped: no PostgreSQL server could start ({error})")
            return
        try:
            name = server.create()
            engine("postgresql", folder / "postgresql", server.url(name), args)
        finally:
            postgres.stop(server)


if __name__ == "__main__":
    main()
