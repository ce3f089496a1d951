"""How options read what people type, the same in every command: choices in any case or
width (``--channel PHONE``, ``e-mail``), free texts from a file or standard input
(``--points @visit.txt``, ``--notes @-``), ``--as USER`` after the command too, and
options that ask for different things refused together."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any, TypeVar

import click
from click.core import ParameterSource

F = TypeVar("F", bound=Callable[..., Any])


def _key(text: str) -> str:
    """What a choice or a user's name means, whatever its case or width."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


class Choice(click.Choice[str]):
    """One of ``values`` in any case or width (``PHONE``, ``Ｐｈｏｎｅ``), or one of
    ``aliases`` for a value (``e-mail`` for ``email``); the value as kaflow spells it."""

    def __init__(self, values: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        super().__init__(list(values), case_sensitive=False)
        self._known = {_key(v): v for v in self.choices if isinstance(v, str)}
        self._known.update({_key(alias): value for alias, value in (aliases or {}).items()})

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and _key(value) in self._known:
            return self._known[_key(value)]
        try:
            return super().convert(value, param, ctx)  # click's own message: the choices
        except click.BadParameter as error:
            from difflib import get_close_matches  # only for a mistyped choice

            close = get_close_matches(_key(str(value)), list(self._known), n=1)
            if not close:
                raise
            self.fail(f"{error.message} Did you mean {self._known[close[0]]!r}?", param, ctx)


def choice(enum: Iterable[Any], aliases: Mapping[str, str] | None = None) -> Choice:
    """A choice of an enumeration's values."""
    return Choice([getattr(e, "value", e) for e in enum], aliases)


# -- free texts: TEXT, @FILE, @- -------------------------------------------------------

FROM_FILE = "@FILE reads it from a file, @- from standard input (@@ for a leading @)."
_STDIN = "kaflow.stdin"  # ctx.meta: the option that read standard input


class FreeText(click.ParamType[str]):
    """A free text as typed, or read whole from a file (``@FILE``) or standard input
    (``@-``): a visit report can be longer than the system lets a command line be.
    ``@@`` stands for a literal leading ``@``. The file is UTF-8 text; a missing,
    unreadable or overlong one is bad input naming the option and the file."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str) or not value.startswith("@"):
            return value
        if value.startswith("@@"):
            return value[1:]
        source = value[1:]
        if not source:
            self.fail(
                "give a file after @ (@FILE), @- for standard input, or @@ for a leading @",
                param,
                ctx,
            )
        if source == "-":
            return self._stdin(param, ctx)
        try:
            with open(source, "rb") as file:
                return self._decode(file, f"the file {source}", param, ctx)
        except OSError as e:
            self.fail(f"cannot read the file {source}: {e.strerror or e}", param, ctx)

    def _stdin(self, param: click.Parameter | None, ctx: click.Context | None) -> str:
        name = _shown(param)
        if ctx is not None:
            root = ctx.find_root()
            first = root.meta.setdefault(_STDIN, name)
            if first != name:
                self.fail(
                    f"standard input is read by {first} already: only one option may read it",
                    param,
                    ctx,
                )
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            self.fail("there is no standard input to read", param, ctx)
        return self._decode(stream, "standard input", param, ctx)

    def _decode(
        self, stream: IO[bytes], what: str, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        from kaflow.application.commands import LONG_TEXT_MAX  # the longest text kaflow takes

        most = 4 * LONG_TEXT_MAX  # bytes: UTF-8 takes at most 4 a character
        data = stream.read(most + 1)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            if len(data) <= most:
                self.fail(f"{what} is not UTF-8 text (byte {e.start + 1})", param, ctx)
            text = ""
        if len(data) > most or len(text) > LONG_TEXT_MAX:
            self.fail(f"{what} holds more than {LONG_TEXT_MAX} characters", param, ctx)
        return text


TEXT = FreeText()


def text_option(*decls: str, help: str, **kwargs: Any) -> Callable[[F], F]:
    """A free-text option: as typed, or ``@FILE``, ``@-`` (its help says so)."""
    kwargs.setdefault("metavar", "TEXT")
    return click.option(*decls, type=TEXT, help=f"{help} {FROM_FILE}", **kwargs)


def _shown(param: click.Parameter | None) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name if param is not None else "an option"


# -- --as USER, before or after the command ----------------------------------------------


def acting(func: F) -> F:
    """``--as USER`` after the command: the same as before it (``kaflow --as mia ...``);
    both given and naming different users is refused."""
    return click.option(
        "--as",
        "actor_after",
        metavar="USER",
        expose_value=False,
        callback=_act_as,
        help="The user acting (also before the command; default: $KAFLOW_USER).",
    )(func)


def _act_as(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from cli.context import Env

    env = ctx.find_object(Env)
    if value is None or env is None:
        return value
    before = env.actor_given
    if before is not None and _key(before) != _key(value):
        raise click.BadOptionUsage(
            "--as",
            f"--as {before} before the command and --as {value} after it name different "
            "users: give one",
            ctx,
        )
    env.actor_name = value
    return value


# -- options that ask for different things ------------------------------------------------


def given(ctx: click.Context, name: str) -> bool:
    """Whether the parameter ``name`` was given on the command line (not a default)."""
    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.PROMPT)


def output_format(fmt: str, as_json: bool) -> str:
    """The format asked for: ``--json`` is ``--format json``; with any other ``--format``
    given it is a usage error naming both."""
    if not as_json:
        return fmt
    if fmt != "json" and given(click.get_current_context(), "fmt"):
        raise click.BadOptionUsage(
            "--format", f"--format {fmt} and --json ask for different outputs: give one of them"
        )
    return "json"


def as_of_options(what: str) -> Callable[[F], F]:
    """``--as-of`` and ``--recorded-by``: ``what`` (e.g. "the account") as the work stood
    at a moment, as the record stood at a moment, or both."""

    def decorate(func: F) -> F:
        func = click.option(
            "--recorded-by",
            metavar="WHEN",
            help=f"Show {what} as recorded by then: only what had been recorded by WHEN.",
        )(func)
        return click.option(
            "--as-of",
            metavar="WHEN",
            help=f"Show {what} as the work stood then: what had happened by WHEN, "
            "recorded later too.",
        )(func)

    return decorate


def as_of_heading(data: dict[str, Any], local: Callable[[Any], str]) -> str:
    """'As it stood at …, as recorded by …:' for a read limited to a cut; else ''."""
    from datetime import datetime

    parts = []
    if data.get("as_of"):
        parts.append(f"as the work stood at {local(datetime.fromisoformat(data['as_of']))}")
    if data.get("recorded_by"):
        parts.append(f"as recorded by {local(datetime.fromisoformat(data['recorded_by']))}")
    return (", ".join(parts) + ":\n").capitalize() if parts else ""
