"""Pointing a workspace at another store (``kaflow store copy --switch``): kaflow.toml's
``store = ...`` line rewritten, its other lines as they were, the file replaced whole."""

from __future__ import annotations

import contextlib
import os
import tomllib

from kaflow.errors import WorkspaceError
from kaflow.settings import CONFIG_NAME


def switch_store(root: str, url: str) -> str:
    """Point kaflow.toml's ``store = ...`` at ``url``, its other lines as they were."""
    import json
    import stat

    path = os.path.join(root, CONFIG_NAME)
    with open(path, encoding="utf-8") as config:
        lines = config.read().splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    line = f"store = {json.dumps(url, ensure_ascii=False)}  # KAFLOW_STORE overrides\n"
    ends = (i for i, text in enumerate(lines) if text.lstrip().startswith("[") or _store(text))
    at = next(ends, len(lines))  # the store line, or the end of the top-level keys
    if at < len(lines) and _store(lines[at]):
        lines[at] = line
    else:
        lines.insert(at, line)
    text = "".join(lines)
    try:
        written = tomllib.loads(text).get("store") == url
    except tomllib.TOMLDecodeError:
        written = False
    if not written:
        raise WorkspaceError(f"cannot rewrite the store line of {path}")
    # A password in the store's URL stays readable by its owner only.
    from kaflow.storage.url import holds_secret

    secret = holds_secret(url)
    mode = 0o600 if secret else stat.S_IMODE(os.stat(path).st_mode)
    import tempfile

    # A name nobody could have planted a link under, made by this call alone.
    descriptor, temporary = tempfile.mkstemp(prefix=CONFIG_NAME + ".", dir=root)
    try:
        with open(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)  # whatever the umask
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    return path


def _store(line: str) -> bool:
    import re

    return re.match(r"\s*store\s*=", line) is not None
