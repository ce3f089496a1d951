"""Median wall time of a real ``kaflow`` process, a read (``prospect show``) and a write
(``contact``), versus a bare Python that only imports the libraries kaflow is built on.

kaflow's own modules are byte-compiled first, as an installed package's are (the
libraries' are, by pip): a process that compiles its sources each time (under
PYTHONDONTWRITEBYTECODE, in an editable checkout) measures the compiler, not kaflow.

Run:  python benchmarks/cli_latency.py [--runs 21]
Target: each of read and write / bare imports <= 1.5.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = ROOT / "kaflow" / "application" / "analysis_template.yaml"
BASELINE = "import eventsourcing.application, transitions, pydantic, click"


def kaflow_cmd() -> list[str]:
    script = Path(sys.executable).with_name("kaflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    kaflow = kaflow_cmd()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        env = {**os.environ, "KAFLOW_USER": "olga"}
        env.pop("KAFLOW_STORE", None)

        def run(*a: str) -> str:
            done = subprocess.run(
                [*kaflow, *a], cwd=ws, env=env, check=True, capture_output=True, text=True
            )
            return done.stdout

        run("init", "--owner", "olga")
        pid = json.loads(
            run(
                "prospect",
                "add",
                "Acme",
                "--category",
                "potential",
                "--nature",
                "distributor",
                "--json",
            )
        )["id"]
        run("analyse", pid, "--file", str(ANALYSIS))
        run("approach", pid, "--method", "visit", "--chair", "olga", "--notes", "n")
        contact = [
            *kaflow,
            "contact",
            pid[:8],
            "--channel",
            "phone",
            "--person",
            "Wang",
            "--attitude",
            "positive",
            "--notes",
            "called",
        ]
        show = [*kaflow, "prospect", "show", pid[:8]]
        bare = [sys.executable, "-c", BASELINE]
        compileall.compile_dir(str(ROOT / "kaflow"), quiet=1)
        compileall.compile_dir(str(ROOT / "cli"), quiet=1)
        commands = {"read": show, "write": contact, "bare": bare}
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():
            timed(command, ws, env)  # warm the file cache for each
        for _ in range(args.runs):  # alternate, so that noise falls on all alike
            for name, command in commands.items():
                samples[name].append(timed(command, ws, env))
    median = {name: statistics.median(found) for name, found in samples.items()}
    b = median["bare"]
    print(
        f"median wall time  kaflow prospect show {median['read'] * 1000:6.1f} ms   "
        f"kaflow contact {median['write'] * 1000:6.1f} ms   "
        f"python -c '{BASELINE}' {b * 1000:6.1f} ms"
    )
    for name in ("read", "write"):
        print(f"ratio {name}/bare imports = {median[name] / b:.2f}  (target <= 1.50)")


if __name__ == "__main__":
    main()
