"""The README's pipeline, run as a newcomer would paste it into a shell."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_readme_pipeline_runs_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A pipeline from the shell", 1)[1]
    script = re.search(r"```sh\n(.*?)```", section, re.S)
    assert script is not None
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("KAFLOW_USER", None)
    env.pop("KAFLOW_STORE", None)
    done = subprocess.run(
        ["bash", "-c", script.group(1) + '\nkaflow prospect show "$ID" --json > ../final.json\n'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr
    refusals = [line for line in done.stderr.splitlines() if line]
    assert len(refusals) == 1 and refusals[0].startswith("R6:"), done.stderr
    final = json.loads((tmp_path / "final.json").read_text())
    assert final["state"] == "won" and final["visits"] == 1
