"""A history anyone can verify: the signing key, checkpoints, and the check."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from cli.context import Env, pass_env
from cli.params import acting
from cli.progress import Bars
from cli.render import emit, output_options, table

BROKEN = 1  # the log or a checkpoint fails


@click.group()
def audit() -> None:
    """Verify the event log: its hash chain and signed checkpoints.

    Every event stored extends a SHA-256 chain in the same transaction. A checkpoint
    signs the chain's last link with the workspace's Ed25519 key; kept apart from the
    store, it shows later whether the log up to it was rewritten (docs/audit.md).

    \b
    Example:
      kaflow audit keygen --as olga
      kaflow audit seal --as olga
      kaflow audit checkpoint --output checkpoint-2026-12.json
      kaflow audit verify --checkpoint checkpoint-2026-12.json
    """


@audit.command("keygen")
@click.option(
    "--output",
    metavar="FILE",
    help="Where to write the private key (default kaflow-audit.key in the workspace).",
)
@output_options
@acting
@pass_env
def keygen(env: Env, output: str | None, as_json: bool) -> None:
    """Make the workspace's signing key (owner only).

    The private key goes to a file readable by you only, named in kaflow.toml
    ([audit] signing_key); keep it off the machine that holds the store if you can.
    Its public key is kept in the store and printed: publish it with the checkpoints.

    \b
    Example:
      kaflow audit keygen --as olga
      kaflow audit keygen --output /secure/kaflow-audit.key --as olga
    """
    data = env.services.audit.keygen(env.actor(), output)
    emit(
        as_json,
        data,
        lambda: (
            f"Signing key written to {data['key_file']} (readable by you only).\n"
            f"Public key: {data['public_key']}"
        ),
    )


@audit.command("seal")
@output_options
@acting
@pass_env
def seal(env: Env, as_json: bool) -> None:
    """Sign a checkpoint of the log as it stands (owner only; the scheduler seals daily).

    \b
    Example:
      kaflow audit seal --as olga
    """
    data = env.services.audit.seal(env.actor())
    emit(
        as_json,
        data,
        lambda: (
            f"Checkpoint signed at {env.local(data['at'])}: position {data['position']}, "
            f"chain {data['hash'][:16]}…."
        ),
    )


@audit.command("checkpoint")
@click.option("--output", metavar="FILE", help="Write it to FILE (default: print it).")
@acting
@pass_env
def checkpoint(env: Env, output: str | None) -> None:
    """Write the latest checkpoint as a small JSON file to keep apart from the store.

    \b
    Example:
      kaflow audit checkpoint --output checkpoint-2026-12.json
    """
    data = env.services.audit.latest(env.actor())
    text = json.dumps(data, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    from cli.output import _replace

    def write(path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    _replace(env, output, write, "json")


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    metavar="FILE",
    type=click.File("r", encoding="utf-8"),
    help="Also check a checkpoint kept apart from the store.",
)
@output_options
@acting
@pass_env
def verify(env: Env, checkpoint_file: Any, as_json: bool) -> None:
    """Check the log against its chain and every checkpoint.

    Exit 0 when intact; 1 when not, naming the first position that fails and how
    (altered, reordered, inserted, deleted, rewritten, truncated after a checkpoint, a
    forged or foreign signature).

    \b
    Example:
      kaflow audit verify
      kaflow audit verify --checkpoint checkpoint-2026-12.json --json
    """
    text = checkpoint_file.read() if checkpoint_file is not None else None
    bars = _Bar() if sys.stderr.isatty() and not as_json else None
    try:
        data = env.services.audit.verify(env.actor(), text, bars)
    finally:
        if bars is not None:
            bars.close()
    emit(as_json, data, lambda: _report(env, data))
    if not data["intact"]:
        raise click.exceptions.Exit(BROKEN)


class _Bar(Bars):
    def __call__(self, done: int, total: int) -> None:  # type: ignore[override]
        super().__call__("verifying", done, total)


def _report(env: Env, data: dict[str, Any]) -> str:
    lines = []
    if data["intact"]:
        lines.append(
            f"Intact: {data['events']} events, chained to position {data['position']}"
            + (f" (chain {data['chain'][:16]}…)." if data["chain"] else ".")
        )
    else:
        problem = data["problem"]
        lines.append(f"BROKEN at position {problem['position']}: {problem['kind']}.")
        lines.append(f"  {problem['detail']}")
        for more in data["problems"][1:]:
            lines.append(f"  also at {more['position']}: {more['kind']}: {more['detail']}")
        if problem["kind"] == "unchained":
            lines.append("  Chain it: kaflow audit seal (an owner).")
    if data["checkpoints"]:
        rows = [
            (
                c["source"],
                env.local(c["at"]),
                str(c["position"]),
                {True: "ok", False: "FAILS", None: "not reached"}[c["ok"]],
            )
            for c in data["checkpoints"]
        ]
        lines.append(table(["CHECKPOINT", "SIGNED", "POSITION", "RESULT"], rows))
    else:
        lines.append("No checkpoint yet: sign one with 'kaflow audit seal'.")
    return "\n".join(lines)


COMMANDS = [audit]
