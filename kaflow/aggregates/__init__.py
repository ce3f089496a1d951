"""Event-sourced aggregates: the prospect and the user directory."""

from __future__ import annotations
