"""The ``kaflow`` command's entry point: Ctrl-C while kaflow is still loading ends it
quietly (exit 130, nothing was under way), before the heavy imports begin."""

from __future__ import annotations

import os
import signal
import sys


def _interrupted(*_: object) -> None:
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted)
    from cli.main import main as run

    signal.signal(signal.SIGINT, signal.default_int_handler)
    run()
