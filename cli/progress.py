"""Progress bars on stderr, for a terminal only (a long copy, a verify)."""

from __future__ import annotations

import sys
from typing import Any

import click


class Bars:
    """Progress on stderr, one bar per stage (for a terminal only)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.stage, self.done = "", 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.bar = click.progressbar(length=max(total, 1), label=stage, file=sys.stderr)
            self.bar.__enter__()
            self.stage, self.done = stage, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
