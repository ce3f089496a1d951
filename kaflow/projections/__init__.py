"""Read models built from the event log with tracking (the development record, reports).

The reporting work fills this package; until then accounts are read from the event store
(`kaflow.reading`).
"""

from __future__ import annotations
