"""``commonwork``: the command line of a commonwork node."""

from __future__ import annotations

import click

from commonwork.node.settings import SETTINGS_HELP, Settings

SETTINGS_EPILOG = "\b\nSettings (environment variables):\n" + "\n".join(
    f"  {name}: {text}" for name, text in SETTINGS_HELP.items()
)


@click.group(epilog=SETTINGS_EPILOG)
@click.version_option(package_name="commonwork")
def cli() -> None:
    """Run a commonwork node and act in its commons: found, join, contribute, validate, verify."""


@cli.command(epilog=SETTINGS_EPILOG)
@click.option("--host", default=None, help="Address to listen on (default: COMMONWORK_HOST).")
@click.option(
    "--port", type=int, default=None, help="Port to listen on (default: COMMONWORK_PORT)."
)
def serve(host: str | None, port: int | None) -> None:
    """Start the web node: the pages and the HTTP API (default http://127.0.0.1:8000)."""
    import uvicorn

    from commonwork.node.node import Node
    from commonwork.web.app import create_app

    settings = Settings.from_env()
    node = Node.open(settings)
    bind_host = host or settings.host
    bind_port = port or settings.port
    click.echo(f"commonwork node {node.host_key.did}")
    click.echo(f"database {settings.database_url}")
    click.echo(f"serving on http://{bind_host}:{bind_port}")
    uvicorn.run(create_app(node), host=bind_host, port=bind_port, log_level="info")


def main() -> None:
    cli()
