"""Reading an analysis file (YAML or JSON) as plain data, bounded and strict: a file too
large, nested too deep, with a key given twice or aliases that expand too far is refused
in one line that says where. The models that check the data are in
``kaflow.application.analysis``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from kaflow.application.validation import found
from kaflow.errors import AnalysisFileError, step

MAX_FILE_BYTES = 1024 * 1024  # an analysis is a few kilobytes; anything near this is not one
MAX_DEPTH = 50  # the template nests four deep


def load_analysis_file(path: str | Path) -> dict[str, Any]:
    """Read an analysis from YAML or JSON (JSON is YAML), as plain data. Bounded: at most
    ``MAX_FILE_BYTES`` read, at most as much again once YAML aliases are expanded, at
    most ``MAX_DEPTH`` levels of nesting; anything else is one line of error."""
    import yaml

    name = "standard input" if str(path) == "-" else str(path)
    text = _read(path, name)
    try:
        data = yaml.load(text, Loader=_bounded_loader(name))
    except yaml.MarkedYAMLError as e:
        raise AnalysisFileError(f"{name} is not valid YAML or JSON: {_marked(e)}") from None
    except yaml.YAMLError as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        raise AnalysisFileError(f"{name} is not valid YAML or JSON: {first}") from None
    except (RecursionError, MemoryError):
        raise AnalysisFileError(f"{name} nests too deeply to be an analysis") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise AnalysisFileError(f"{name} holds a value that cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise AnalysisFileError(
            f"{name}: expected the analysis's sections (management: ..., "
            f"sales: ..., as {step('template_analysis')} prints them), found {_kind_of(data)}"
        )
    _check_expanded(data, name)
    return data


def _read(path: str | Path, name: str) -> str:
    """At most one byte more than the limit: enough to know the file is too large."""
    try:
        if str(path) == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw: bytes | str = (
                stream.read(MAX_FILE_BYTES + 1)
                if stream is not None
                else sys.stdin.read(MAX_FILE_BYTES + 1)
            )
        else:
            with open(path, "rb") as file:
                raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise AnalysisFileError(
                f"{name} is larger than {MAX_FILE_BYTES / 2**20:g} MiB: not an analysis"
            )
        return raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise AnalysisFileError(f"cannot read {name}: {reason[:1].lower()}{reason[1:]}") from None
    except UnicodeDecodeError as e:
        byte = e.object[e.start : e.start + 1]
        shown = f"a byte 0x{byte[0]:02x} at position {e.start}" if byte else e.reason
        raise AnalysisFileError(f"{name} is not UTF-8 text ({shown})") from None


def _marked(error: Any) -> str:
    """A YAML error as 'line L, column C: problem' (both counted from 1)."""
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "invalid"
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())


def _bounded_loader(name: str) -> Any:
    """A SafeLoader that refuses to compose more than ``MAX_DEPTH`` levels of nesting
    (PyYAML composes recursively: 100,000 levels would exhaust the stack)."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                    raise AnalysisFileError(
                        f"{name}: line {mark.line + 1}, column {mark.column + 1}: nested "
                        f"more than {MAX_DEPTH} levels deep; an analysis nests a few"
                    )
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            _refuse_duplicate_keys(self, node, name)
            return super().construct_mapping(node, deep)

    return Loader


def _refuse_duplicate_keys(loader: Any, node: Any, name: str) -> None:
    """A key given twice in one mapping would silently keep its last value: refused,
    naming the key and both lines. (Keys merged in with ``<<`` may be overridden.)"""
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:  # an unhashable key: the loader's own error names it
            continue
        if first is not key_node:
            mark = key_node.start_mark
            raise AnalysisFileError(
                f"{name}: line {mark.line + 1}, column {mark.column + 1}: {found(key)} is "
                f"given twice in one section (first on line {first.start_mark.line + 1})"
            )


def _check_expanded(data: Any, name: str) -> None:
    """Walk the data as stored (an alias counts each time it is used), without
    recursion: refuse it when it would be larger than the file limit or nest deeper
    than ``MAX_DEPTH``, long before it is expanded."""
    budget = MAX_FILE_BYTES
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise AnalysisFileError(
                f"{name} nests more than {MAX_DEPTH} levels deep (its aliases expanded)"
            )
        if isinstance(item, dict):
            budget -= 2 + 2 * len(item)
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple | set):
            budget -= 2 + len(item)
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str | bytes):
            budget -= 2 + len(item)
        else:  # a number, a date, a boolean, null
            budget -= 8
        if budget < 0:
            raise AnalysisFileError(
                f"{name} is larger than {MAX_FILE_BYTES / 2**20:g} MiB once its aliases are "
                "expanded: not an analysis"
            )


def _kind_of(data: object) -> str:
    """What a file held instead of a mapping, in words."""
    if data is None:
        return "an empty file"
    if isinstance(data, list):
        return "a list"
    return f"a single value ({str(data)[:40]!r})"
