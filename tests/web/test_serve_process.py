"""A real ``kaflow serve``: it starts, answers /healthz and a token's call, follows the
log, and on SIGTERM drains and exits 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli.serve import loopback

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kaflow(folder: Path, *args: str, user: str = "olga", input: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=folder,
        env={**env, "PYTHONPATH": str(REPO), "KAFLOW_USER": user},
        input=input,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def serving(folder: Path, port: int, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), *args],
        cwd=folder,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("kaflow serve did not answer within 30 s")


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path, workers: str) -> None:
    kaflow(tmp_path, "init", "--owner", "olga")
    kaflow(tmp_path, "user", "add", "sam", "--role", "sales")
    token = json.loads(kaflow(tmp_path, "token", "create", "--name", "t", "--json", user="sam"))
    port = free_port()
    process = serving(tmp_path, port, "--workers", workers)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        headers = {"Authorization": f"Bearer {token['token']}"}
        body = {"name": "Acme", "category": "potential", "nature": "distributor"}
        made = httpx.post(f"{base}/api/v1/accounts", json=body, headers=headers, timeout=10)
        assert made.status_code == 201, made.text
        assert httpx.get(f"{base}/api/v1/accounts", timeout=10).status_code == 401
        # Written by another process (the CLI): the server's views follow the log.
        kaflow(tmp_path, "prospect", "add", "Beta", "--category", "existing", "--nature", "x",
               user="sam")  # fmt: skip
        listed = httpx.get(f"{base}/api/v1/accounts", headers=headers, timeout=10).json()
        assert listed["total"] == 2
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Traceback" not in output


@pytest.mark.slow
def test_two_servers_and_the_cli_take_turns_on_one_account(tmp_path: Path) -> None:
    """Each server acts first on the account as it last saved it: here, every step
    finds it moved on by the other server or the CLI, and is judged on what the store
    holds; none is refused or lost."""
    from tests.web.conftest import STEPS_TO_VISIT, VISIT

    kaflow(tmp_path, "init", "--owner", "olga")
    kaflow(tmp_path, "user", "add", "mia", "--role", "manager")
    kaflow(tmp_path, "user", "add", "sam", "--role", "sales")
    token = json.loads(kaflow(tmp_path, "token", "create", "--name", "t", "--json", user="mia"))
    headers = {"Authorization": f"Bearer {token['token']}"}
    ports = [free_port(), free_port()]
    servers = [serving(tmp_path, port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, server in zip(bases, servers, strict=True):
            wait_until_up(base, server)
        body = {"name": "Acme", "category": "potential", "nature": "distributor"}
        made = httpx.post(f"{bases[0]}/api/v1/accounts", json=body, headers=headers, timeout=10)
        account = made.json()["id"]
        steps = [*STEPS_TO_VISIT, ("visit", VISIT)]
        for n, (step, fields) in enumerate(steps):
            if step == "contact":  # by the CLI, between the servers' steps
                kaflow(tmp_path, "contact", account, "--channel", "phone", "--person", "Wang",
                       "--attitude", "positive", "--notes", "ok", user="sam")  # fmt: skip
                continue
            answer = httpx.post(f"{bases[n % 2]}/api/v1/accounts/{account}/{step}",
                                json=fields, headers=headers, timeout=10)  # fmt: skip
            assert answer.status_code == 200, (step, answer.text)
        for base in bases:  # each answers with the store's account, not the one it kept
            shown = httpx.get(f"{base}/api/v1/accounts/{account}", headers=headers, timeout=10)
            assert shown.json()["state"] == "visited"
            assert shown.json()["version"] == len(steps) + 2  # with the deadline opened
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        outputs = [server.communicate(timeout=30)[0] for server in servers]
    assert [server.returncode for server in servers] == [0, 0], outputs
    history = json.loads(kaflow(tmp_path, "history", account, "--json"))
    types = [e["type"] for e in history["events"]]
    assert types.count("ContactRecorded") == 1 and types.count("VisitRecorded") == 1


@pytest.mark.slow
def test_the_server_stays_up_while_another_process_holds_the_store(tmp_path: Path) -> None:
    """While another process holds SQLite's one write lock, steps wait for it (each in
    a worker thread), yet the server answers /healthz and checks tokens on its loop
    without waiting for a connection; once the lock is let go, every step is recorded."""
    import sqlite3
    import threading

    kaflow(tmp_path, "init", "--owner", "olga")
    kaflow(tmp_path, "user", "add", "sam", "--role", "sales")
    token = json.loads(kaflow(tmp_path, "token", "create", "--name", "t", "--json", user="sam"))
    headers = {"Authorization": f"Bearer {token['token']}"}
    port = free_port()
    process = serving(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    answers: list[int] = []
    try:
        wait_until_up(base, process)
        accounts = []
        for n in range(24):  # each writer its own account: no race between them
            body = {"name": f"Acme {n}", "category": "potential", "nature": "distributor"}
            made = httpx.post(f"{base}/api/v1/accounts", json=body, headers=headers)
            accounts.append(made.json()["id"])
        holder = sqlite3.connect(tmp_path / "kaflow.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the one writer, until let go

        def edit(n: int) -> None:
            answer = httpx.post(f"{base}/api/v1/accounts/{accounts[n]}/edit",
                                json={"nature": f"distributor {n}", "reason": "r"},
                                headers=headers, timeout=30)  # fmt: skip
            answers.append(answer.status_code)

        writers = [threading.Thread(target=edit, args=(n,)) for n in range(24)]
        for writer in writers:
            writer.start()
        time.sleep(1.0)  # every worker thread now waits for the lock
        try:
            assert httpx.get(f"{base}/healthz", timeout=3).status_code == 200
            assert answers == []  # still held
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for writer in writers:
            writer.join(30)
        assert answers == [200] * 24
        for account in accounts:
            history = httpx.get(f"{base}/api/v1/accounts/{account}/history", headers=headers)
            assert [e["type"] for e in history.json()["events"]].count("AccountEdited") == 1
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output


def test_only_loopback_hosts_go_without_a_tls_warning() -> None:
    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost")
    assert not loopback("0.0.0.0") and not loopback("192.168.1.5") and not loopback("example.com")
