"""Stores named by URL, turned into the eventsourcing library's settings.

``sqlite:///kaflow.db`` (relative to the workspace), ``sqlite:////abs/path.db``,
``postgresql://user@host:port/dbname`` (a team's shared store) and ``memory://`` (nothing
kept; for tests). Back-ends are imported lazily by the library: a command on SQLite never
pays for importing the PostgreSQL driver (what speaks to a server is
``kaflow.storage.server``).

A PostgreSQL password comes from the URL, ``PGPASSWORD`` or ``~/.pgpass`` (libpq's own
look-up) and is never shown: every URL kaflow prints goes through ``safe_url``.
"""

from __future__ import annotations

import contextlib
import os
import re

from kaflow.errors import WorkspaceError, step

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreURL:
    """A store's URL, parsed once: its engine, its file (SQLite), a form safe to show,
    whether it holds a secret, and the library's settings for it."""

    __slots__ = ("engine", "path", "text")

    def __init__(self, text: str, engine: str, path: str | None = None) -> None:
        self.text = text
        self.engine = engine  # "sqlite" | "postgresql" | "memory"
        self.path = path  # SQLite: the file, relative URLs resolved against the root

    def __repr__(self) -> str:
        return f"StoreURL({self.safe!r})"

    @classmethod
    def parse(cls, text: str, root: str | os.PathLike[str] = ".") -> StoreURL:
        if text.startswith(SQLITE_PREFIX):
            # An absolute path (sqlite:////abs) stays itself.
            return cls(text, "sqlite", os.path.join(root, text[len(SQLITE_PREFIX) :]))
        if text == "memory://":
            return cls(text, "memory")
        if text.startswith(POSTGRES_SCHEMES):
            return cls(text, "postgresql")
        raise WorkspaceError(
            "unknown store URL (expected sqlite:///PATH, postgresql://USER@HOST:PORT/DBNAME "
            f"or memory://): {safe_url(text)}"
        )

    def __str__(self) -> str:
        return self.safe

    @property
    def safe(self) -> str:
        """The URL without any password, to show."""
        return safe_url(self.text)

    @property
    def holds_secret(self) -> bool:
        """Whether a file that keeps this URL must be readable by its owner only."""
        return holds_secret(self.text)

    def library_env(self, *, create: bool = False, lock_timeout: int = 10) -> dict[str, str]:
        """The eventsourcing library's settings for this store; a store that is not
        there (or, on a server, holds no workspace) is refused unless ``create``."""
        if self.path is not None:
            if not create and not os.path.exists(self.path):
                raise WorkspaceError(
                    f"store {self.path} does not exist (run {step('init')} to create it)"
                )
            name = self.path if create else sqlite_name(self.path)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                # The library's recorder, extending the log's hash chain on every append.
                "APPLICATION_RECORDER_TOPIC": "kaflow.storage.sqlite:Recorder",
                "SQLITE_DBNAME": name,
                "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
                # Only init makes the tables (a store opened read-only is read as it is).
                "CREATE_TABLE": "yes" if create else "no",
            }
        if self.engine == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        from kaflow.storage.server import check_postgres, postgres_env, require_driver

        require_driver()
        env = postgres_env(self.text, lock_timeout=lock_timeout, create=create)
        check_postgres(self.text, create=create, lock_timeout=lock_timeout)
        return env


def sqlite_name(path: str) -> str:
    """The name the library opens an SQLite store by: its path, or, for a store this
    process may not write (a read-only file or folder: a backup, a colleague's copy), a
    read-only URI. SQLite needs to write the files beside a store in WAL mode even to read
    it; where it cannot create them (a read-only folder, no write-ahead log left), the
    file is opened as immutable, as nothing can change it."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.exists(path) or (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        return path
    from urllib.parse import quote

    uri = "file:" + quote(os.path.abspath(path))
    beside = all(os.path.exists(path + suffix) for suffix in ("-wal", "-shm"))
    if beside or os.access(folder, os.W_OK):
        return uri + "?mode=ro"
    return uri + "?mode=ro&immutable=1"


def is_postgres(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def sqlite_path(url: str, root: str | os.PathLike[str]) -> str | None:
    return StoreURL.parse(url, root).path if url.startswith(SQLITE_PREFIX) else None


def store_env(
    url: str, root: str | os.PathLike[str], *, create: bool = False, lock_timeout: int = 10
) -> dict[str, str]:
    return StoreURL.parse(url, root).library_env(create=create, lock_timeout=lock_timeout)


def safe_url(url: str) -> str:
    """The URL without any password: ``USER:***@`` and ``password=***``."""
    scheme, sep, _ = url.partition("://")
    credentials, hostpart = split_credentials(url)
    if ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    hostpart = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", hostpart)
    return scheme + sep + (credentials + "@" if credentials else "") + hostpart


def holds_secret(url: str) -> bool:
    """Whether the URL holds a password (``USER:PASSWORD@`` or ``?password=``): a file
    that keeps it must be readable by its owner only."""
    return safe_url(url) != url


def hide_password(text: str, *urls: str) -> str:
    """``text`` (an error message, say) with the stores' passwords and PGPASSWORD's
    blanked out."""
    from kaflow.storage.server import postgres_params

    secrets = [os.environ.get("PGPASSWORD", "")]
    for url in filter(is_postgres, urls):
        text = text.replace(url, safe_url(url))
        with contextlib.suppress(WorkspaceError):
            secrets.append(postgres_params(url, environ={})["password"])
    for secret in filter(None, secrets):
        text = text.replace(secret, "***")
    return text


def split_credentials(url: str) -> tuple[str, str]:
    """``USER[:PASSWORD]`` and the rest of a URL: credentials end at its last ``@``."""
    rest = url.partition("://")[2]
    credentials, at, hostpart = rest.rpartition("@")
    return (credentials, hostpart) if at else ("", rest)
