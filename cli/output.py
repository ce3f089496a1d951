"""Where ``--output`` writes: a file put in place whole (a temporary file renamed), never
one of the workspace's own files nor through a symbolic link; ``-`` is standard output.
And the formats a document or report is exported in."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from collections.abc import Callable
from typing import Any

import click

from cli.context import Env
from cli.render import as_json_text, json_for_stdout, printable, table
from kaflow.errors import BadInputError, field

OUTPUT = click.option(
    "--output",
    "output",
    metavar="FILE",
    help="Write to FILE instead (- for standard output); never the workspace's own files.",
)


def _protected(env: Env) -> list[str]:
    """The workspace's own files: never written over by ``--output``."""
    return env.settings.own_files()


def _target(env: Env, output: str) -> str:
    """The file ``--output`` names, once it is safe to replace: not one of the
    workspace's own files, not a symbolic link, not a folder or a device."""
    path = os.path.abspath(output)
    if os.path.islink(path):
        raise BadInputError(f"--output {output} is a symbolic link; name the file itself")
    real = os.path.normcase(os.path.realpath(path))
    for own in _protected(env):
        same = real == os.path.normcase(os.path.realpath(own))
        if not same and os.path.exists(path) and os.path.exists(own):
            same = os.path.samefile(path, own)  # a hard link, or another spelling
        if same:
            raise BadInputError(
                f"--output {output} is the workspace's own {os.path.basename(own)}; "
                "refusing to write over it"
            )
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise BadInputError(
            f"--output {output} is not a regular file (--output - writes to standard output)"
        )
    return path


def _replace(env: Env, output: str, write: Callable[[str], None], fmt: str) -> None:
    """Write a temporary file next to the target with ``write``, then put it in place:
    a failed write leaves the target as it was and no partial file. Under ``--json``,
    standard output says so as one JSON document: ``{"wrote": PATH, "format": FMT}``."""
    path = _target(env, output)
    folder, name = os.path.split(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise BadInputError(f"cannot write --output {output}: {e.strerror or e}") from None
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, _mode(path))
        _target(env, output)  # still safe: nothing put a link or a store there meanwhile
        os.replace(temporary, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise BadInputError(f"cannot write --output {output}: {e.strerror or e}") from None
        raise
    click.echo(f"wrote {printable(output)}", err=True)
    if _asked_for_json():
        click.echo(json_for_stdout({"wrote": path, "format": fmt}))


def _asked_for_json() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.params.get("as_json"))


def _mode(path: str) -> int:
    """The permissions of the file replaced, or those a new file gets."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write(
    env: Env,
    text: str,
    output: str | None,
    fmt: str,
    encoding: str = "utf-8",
    escape: bool = True,
) -> None:
    """``text`` to standard output (``None`` or ``-``), or to the file ``output``;
    ``escape``: control characters shown escaped in the file too."""
    if output is None or output == "-":
        text = printable(text)
        click.echo(text, nl=not text.endswith("\n"))
        return
    if escape:
        text = printable(text)

    def write(temporary: str) -> None:
        with open(temporary, "w", encoding=encoding, newline="") as out:
            out.write(text)

    _replace(env, output, write, fmt)


def export(env: Env, doc: Any, data: Any, fmt: str, output: str | None) -> None:
    from kaflow.reporting import export

    if fmt == "json":  # on standard output, what its encoding cannot carry JSON-escaped
        to_stdout = output is None or output == "-"
        text = json_for_stdout(data) if to_stdout else as_json_text(data)
        _write(env, text + "\n", output, fmt)
    elif fmt == "md":
        _write(env, export.to_markdown(doc), output, fmt, escape=False)
    elif fmt == "csv":  # a file with a byte-order mark: spreadsheet programs read it as UTF-8
        _write(env, export.to_csv(doc), output, fmt, encoding="utf-8-sig", escape=False)
    elif fmt == "xlsx":
        if output is None:
            raise BadInputError(
                f"{field('format')} xlsx writes a file: give {field('output')} FILE.xlsx"
            )
        if output == "-":
            buffer = io.BytesIO()
            export.to_xlsx(doc, buffer)
            click.echo(buffer.getvalue(), nl=False)  # bytes: written as they are
            return
        _replace(env, output, lambda temporary: export.to_xlsx(doc, temporary), fmt)
    else:
        _write(env, export.to_text(doc, table) + "\n", output, fmt)
