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


def serving(folder: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
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
def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    kaflow(tmp_path, "init", "--owner", "olga")
    kaflow(tmp_path, "user", "add", "sam", "--role", "sales")
    token = json.loads(kaflow(tmp_path, "token", "create", "--name", "t", "--json", user="sam"))
    port = free_port()
    process = serving(tmp_path, port)
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


def test_only_loopback_hosts_go_without_a_tls_warning() -> None:
    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost")
    assert not loopback("0.0.0.0") and not loopback("192.168.1.5") and not loopback("example.com")
