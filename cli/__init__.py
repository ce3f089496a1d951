"""The kaflow command line: parse, call the application, render. No rules here."""

from __future__ import annotations
