"""A throwaway PostgreSQL server for the tests, started by pytest-postgresql's executor
from the installed server binaries, and a fresh database for each test.

initdb and the server refuse to run as root: as root, pg_ctl is run as the ``postgres``
user through a small wrapper, in a folder made theirs. The server runs without syncing
to disk (a test database is thrown away) and with room for many connections.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_BIN = Path(os.environ.get("KAFLOW_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD_USER = "kaflow_pw"  # the one role that must give a password (scram-sha-256)
PASSWORD = "pw-Zq8-never-shown"
OPTIONS = (
    "-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
    "-c max_connections=400 -c shared_buffers=64MB"
)


class Server:
    def __init__(self, executor: Any, folder: Path) -> None:
        self.executor, self.folder = executor, folder
        self.host, self.port = executor.host, executor.port
        self.user = executor.user
        self._names = itertools.count(1)

    def admin(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True
        )

    def url(self, dbname: str, user: str | None = None, password: str | None = None) -> str:
        who = user or self.user
        if password is not None:
            who += f":{password}"
        return f"postgresql://{who}@{self.host}:{self.port}/{dbname}"

    def create(self) -> str:
        name = f"kaflow_{os.getpid()}_{next(self._names)}"
        with self.admin() as db:
            db.execute(f"CREATE DATABASE {name}")
        return name

    def drop(self, name: str) -> None:
        with self.admin() as db:
            db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database's URL, dropped afterwards."""
        name = self.create()
        try:
            yield self.url(name)
        finally:
            self.drop(name)


def start() -> Server:
    from port_for import select_random
    from pytest_postgresql.executors import PostgreSQLExecutor

    executable = str(PG_BIN / "pg_ctl")
    if not os.access(executable, os.X_OK):
        raise RuntimeError(
            f"PostgreSQL's server binaries are not in {PG_BIN} (the tests start a throwaway "
            "server from them): install them (Debian: apt-get install postgresql-15) or "
            "set KAFLOW_PG_BIN to their folder"
        )
    folder = Path(tempfile.mkdtemp(prefix="kaflow-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        folder.chmod(0o755)
        wrapper = folder / "pg_ctl"
        wrapper.write_text(f'#!/bin/sh\nexec runuser -u postgres -- "{executable}" "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        executable = str(wrapper)
    executor = PostgreSQLExecutor(
        executable=executable,
        host="127.0.0.1",
        port=select_random(),
        datadir=str(folder / "data"),
        unixsocketdir=str(folder),
        logfile=str(folder / "server.log"),
        startparams="-w",
        dbname="kaflow_tests",
        user="postgres",
        postgres_options=OPTIONS,
    )
    executor.init_directory()
    hba = Path(executor.datadir) / "pg_hba.conf"
    # One role must give its password, to test where kaflow takes it from.
    hba.write_text(
        f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
        f"host all {PASSWORD_USER} ::1/128 scram-sha-256\n" + hba.read_text()
    )
    executor.start()
    server = Server(executor, folder)
    with _when_ready(server) as db:
        db.execute(f"CREATE ROLE {PASSWORD_USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
    return server


def _when_ready(server: Server, timeout: float = 120.0) -> Any:
    """A connection once the server takes them. The executor can return while the server
    still answers "the database system is starting up" (seen on a busy CI machine): wait
    for it rather than failing every PostgreSQL case of the run."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            return server.admin()
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(server: Server) -> None:
    try:
        server.executor.stop()
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)
