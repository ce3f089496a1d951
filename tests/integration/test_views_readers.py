"""A reader's snapshot of the views while another process rebuilds them: whole, on
every store (on PostgreSQL, tables dropped and made anew would look empty to a snapshot
taken before; readers and a rebuild's reset take turns)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kaflow.application.service import Kaflow
from kaflow.projections.runner import Views
from tests.builders import advance, identify, staff


def test_a_reader_sees_whole_views_while_they_are_rebuilt(durable: Callable[..., Kaflow]) -> None:
    app = durable()
    staff(app)
    for name in ("A", "B", "C"):
        advance(app, identify(app, name), "visited")
    reader, rebuilder = Views(app), Views(Kaflow(env=dict(app.env.items())))
    reader.catch_up()
    rebuilt = threading.Event()
    try:
        with reader.reading() as cursor:
            accounts = cursor.execute("SELECT count(*) FROM accounts").fetchone()[0]
            rebuild = lambda: (rebuilder.rebuild(["ledger"]), rebuilt.set())  # noqa: E731
            worker = threading.Thread(target=rebuild)  # not the table read so far
            worker.start()
            time.sleep(0.5)  # the rebuild has begun, or waits for this reader
            entries = cursor.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
            deadlines = cursor.execute("SELECT count(*) FROM follow_up_deadlines").fetchone()[0]
        worker.join(60)
        assert rebuilt.is_set()
        assert (accounts, entries, deadlines) == (3, 15, 3)
        with reader.reading() as cursor:  # and after it, the rebuilt views are whole
            assert cursor.execute("SELECT count(*) FROM ledger_entries").fetchone()[0] == 15
    finally:
        reader.close()
        rebuilder.close()
