"""PostgreSQL: a log that the role kaflow runs as may only append to and read.

- Appends are kept in order by a lock on a table of their own (``kaflow_append_lock``,
  EXCLUSIVE mode, which needs only UPDATE on that table), not on the log: the library's
  lock on the log itself needs UPDATE, DELETE or TRUNCATE on it, the very rights an
  append-only role must not hold.
- Triggers refuse UPDATE, DELETE and TRUNCATE on the log, its hash chain and its
  checkpoints, whoever asks (made by ``kaflow init``; a superuser can still switch
  triggers off, and the hash chain is what catches that).
- ``protect`` (``kaflow store protect --runtime-role ROLE``, run as the store's owner)
  grants ROLE what running kaflow takes and nothing that rewrites the log: SELECT and
  INSERT on the log's tables, UPDATE on the append lock (and on the data keys, which an
  erasure destroys), the views' tables as its own (it rebuilds them).
"""

from __future__ import annotations

from typing import Any

from kaflow.errors import BadInputError, field

APPEND_LOCK = "kaflow_append_lock"
REFUSE = "kaflow_append_only"


def log_tables(events: str) -> list[str]:
    """The tables that are the log: append-only."""
    from kaflow.storage import audit, chain

    return [events, chain.TABLE, audit.CHECKPOINTS]


def statements(schema: str, events: str) -> list[str]:
    """The append lock's table, and the triggers that keep the log append-only."""
    from kaflow.storage import audit, chain

    s = f'"{schema}"'
    made = [
        f"CREATE TABLE IF NOT EXISTS {s}.{APPEND_LOCK} (held boolean PRIMARY KEY DEFAULT true)",
        chain.Dialect("postgresql", f"{s}.{events}", f"{s}.{chain.TABLE}").create,
        *audit.side_tables(f"{s}.{audit.CHECKPOINTS}", f"{s}.{audit.KEYS}"),
        f"CREATE OR REPLACE FUNCTION {s}.{REFUSE}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'kaflow: % is append-only: % refused', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'insufficient_privilege'; END $$",
    ]
    for table in log_tables(events):
        made.append(
            f"CREATE OR REPLACE TRIGGER {REFUSE} BEFORE UPDATE OR DELETE OR TRUNCATE "
            f'ON {s}."{table}" FOR EACH STATEMENT EXECUTE FUNCTION {s}.{REFUSE}()'
        )
    return made


def protect(app: Any, role: str) -> dict[str, Any]:
    """Set the store up for ``role`` to run kaflow on, appending to the log and never
    rewriting it; run by the store's owner (or a superuser)."""
    from psycopg import sql

    recorder = app.recorder
    schema = recorder.datastore.schema or "public"
    events = recorder.events_table_name
    snapshots = events.removesuffix("events") + "snapshots"
    from kaflow.storage import audit, keys

    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if not cursor.fetchall():
            raise BadInputError(
                f"{field('runtime_role')}: no database role {role!r} (CREATE ROLE {role} "
                "LOGIN first)",
                field="runtime_role",
            )
        for statement in statements(schema, events):
            cursor.execute(statement)
        cursor.execute(keys.create_statement("postgresql", f'"{schema}".{keys.TABLE}'))
        cursor.execute(keys.index_statement(f'"{schema}".{keys.TABLE}'))
        who = sql.Identifier(role)
        where = sql.Identifier(schema)

        def table(name: str) -> Any:
            return sql.SQL("{}.{}").format(where, sql.Identifier(name))

        log = [events, snapshots, *log_tables(events)[1:], audit.KEYS]
        cursor.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(where, who))
        for name in log:
            cursor.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(table(name), who))
            cursor.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(table(name), who))
        cursor.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(table(keys.TABLE), who)
        )
        cursor.execute(sql.SQL("GRANT SELECT, UPDATE ON {} TO {}").format(table(APPEND_LOCK), who))
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq",
            (f'"{schema}"."{events}"',),
        )
        sequence = cursor.fetchall()[0]["seq"]
        cursor.execute(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(
            sql.SQL(sequence), who))  # fmt: skip
        kept = {*log, keys.TABLE, APPEND_LOCK}
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
        handed = sorted(r["tablename"] for r in cursor.fetchall() if r["tablename"] not in kept)
        for name in handed:  # the views and what front ends keep: the role's own
            cursor.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(table(name), who))
    return {
        "runtime_role": role,
        "append_only": log_tables(events),
        "appends_to": [events, snapshots],
        "handed_over": handed,
    }
