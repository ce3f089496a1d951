"""kaflow: key-account development as an event-sourced workflow."""

from __future__ import annotations

__version__ = "0.1.0"
