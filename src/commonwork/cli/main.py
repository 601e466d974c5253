"""``commonwork``: the command line of a commonwork node."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from commonwork.cli import acting, contributions, journal
from commonwork.cli.act import act, attach_doors
from commonwork.cli.agreements import agreements_group
from commonwork.cli.artifacts import artifacts_group
from commonwork.cli.books import books_group
from commonwork.cli.bounties import bounties_group
from commonwork.cli.cases import case_group
from commonwork.cli.charter import charter_group
from commonwork.cli.commons import commons_group
from commonwork.cli.context import CliState, CommonworkGroup, pass_state
from commonwork.cli.credit import credit_group
from commonwork.cli.emails import email_group
from commonwork.cli.forks import fork
from commonwork.cli.git_import import import_git
from commonwork.cli.hosts import host_group
from commonwork.cli.identity import identity_group
from commonwork.cli.inbox import inbox
from commonwork.cli.invitations import invite
from commonwork.cli.orgs import org_group
from commonwork.cli.proposals import proposal_group
from commonwork.cli.resources import resources_group
from commonwork.cli.standing import standing_group
from commonwork.cli.tasks import task_group
from commonwork.services.nodes import SETTINGS_HELP

SETTINGS_EPILOG = "\b\nSettings (environment variables):\n" + "\n".join(
    f"  {name}: {text}" for name, text in SETTINGS_HELP.items()
)


@click.group(cls=CommonworkGroup, epilog=SETTINGS_EPILOG)
@click.version_option(package_name="commonwork")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use this data directory instead of COMMONWORK_DATA_DIR.",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """Run a commonwork node and act in its commons: found, join, post tasks, contribute, validate.

    Exit status: 0 done; 1 verify found a bad entry or rebuild changed the state digest;
    2 bad input or a refusal (printed as 'error: ... (code)').
    """
    ctx.obj = CliState(data_dir=data_dir)


@cli.command(epilog=SETTINGS_EPILOG)
@click.option("--host", default=None, help="Address to listen on (default: COMMONWORK_HOST).")
@click.option(
    "--port", type=int, default=None, help="Port to listen on (default: COMMONWORK_PORT)."
)
@pass_state
def serve(state: CliState, host: str | None, port: int | None) -> None:
    """Start the web node: the pages and the HTTP API (default http://127.0.0.1:8000)."""
    import uvicorn

    from commonwork.web.app import create_app

    state.serving = True  # heavy reads in a worker process, unless the settings say otherwise
    settings = state.settings()
    node = state.node()
    bind_host = host or settings.host
    bind_port = port or settings.port
    click.echo(f"commonwork node {node.host_key.did}")
    click.echo(f"database {settings.database_url}")
    click.echo(f"serving on http://{bind_host}:{bind_port}")
    if node.due:
        changed = ", ".join(str(due) for due in node.due)
        click.echo(f"projection versions changed ({changed}): rebuilding in the background")
    _log_to_stderr()  # the node's own log lines (a rebuild's progress) beside uvicorn's
    # proxy_headers off: the app decides which X-Forwarded-* to believe (web/clients.py,
    # COMMONWORK_TRUSTED_PROXIES), not uvicorn's own default of trusting 127.0.0.1.
    uvicorn.run(
        create_app(node), host=bind_host, port=bind_port, log_level="info", proxy_headers=False
    )


def _log_to_stderr() -> None:
    """Send the ``commonwork`` loggers' INFO and above to stderr, as uvicorn does its own."""
    logger = logging.getLogger("commonwork")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


for command in (
    identity_group,
    commons_group,
    task_group,
    acting.join,
    invite,
    acting.leave,
    contributions.contribute,
    contributions.correct,
    contributions.withdraw,
    acting.validate,
    standing_group,
    proposal_group,
    case_group,
    books_group,
    org_group,
    bounties_group,
    agreements_group,
    credit_group,
    artifacts_group,
    resources_group,
    charter_group,
    inbox,
    journal.export,
    journal.import_,
    journal.verify,
    journal.rebuild,
    fork,
    host_group,
    email_group,
    import_git,
    act,
):
    cli.add_command(command)
attach_doors(cli, {"task": task_group})  # the commands action types declare (ActionSpec.door)


def main() -> None:
    cli()
