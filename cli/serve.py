"""``kaflow serve``: the web app and the JSON API on the workspace's store."""

from __future__ import annotations

import ipaddress
import os
import signal

import click

from cli.context import Env, pass_env

LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


def loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (each keeps no state of its own: any may answer any request).",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    metavar="IPS",
    help="Proxies whose X-Forwarded-For/-Proto headers are trusted ('*': any).",
)
@click.option(
    "--root-path", default="", metavar="PATH", help="The sub-path a proxy serves kaflow under."
)
@pass_env
def serve(
    env: Env, host: str, port: int, workers: int, forwarded_allow_ips: str, root_path: str
) -> None:
    """Serve the web app (/) and the JSON API (/api/v1, OpenAPI at /api/docs) until
    SIGTERM or Ctrl-C, which let requests under way finish, then exit 0.

    People sign in with the password 'kaflow user password' sets; scripts send a token
    from 'kaflow token create' as 'Authorization: Bearer TOKEN'. The acting user is
    always the one signed in: no --as here. TLS is a reverse proxy's job (see
    docs/web.md); listening beyond this machine without one sends passwords in clear.

    \b
    Example:
      kaflow serve
      kaflow serve --host 0.0.0.0 --port 8080 --workers 4 --forwarded-allow-ips 10.0.0.5
    """
    import uvicorn

    from web.app import ROOT_ENV

    root = str(env.settings.root)  # a workspace, or a one-line error before listening
    if not loopback(host):
        click.echo(
            f"warning: listening on {host} without TLS: put a reverse proxy that terminates "
            "TLS in front (docs/web.md), or passwords and tokens travel in clear",
            err=True,
        )
    os.environ[ROOT_ENV] = root
    # uvicorn drains on SIGTERM, then raises the signal again for the handler it found:
    # this one, so that a drained server exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    uvicorn.run(
        "web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        root_path=root_path,
        timeout_graceful_shutdown=30,
        log_level="info",
    )


COMMANDS = [serve]
