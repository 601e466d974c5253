"""What every command shares: the node it opens, the signing identity, options and error handling.

Settings are read once, at the edge, from ``Settings.from_env()`` (``--data-dir`` may override the
data directory); the node is opened only by the commands that need it and closed when the command
line finishes. Every ``CommonworkError`` is caught in one place, ``CommonworkGroup.invoke``, and
printed as ``error: <detail> (<code>)`` with exit code 2: no traceback for a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from commonwork.cli.output import EXIT_REFUSED, note
from commonwork.errors import CommonworkError
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services.identities import Keypair

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_IDENTITY = "default"
#: The commands that rebuild stale projections themselves (no warning before them).
REBUILDING_COMMANDS = ("rebuild", "serve")


class CommonworkGroup(click.Group):
    """A click group that turns every CommonworkError below it into ``error: …`` and exit 2."""

    group_class = type  # subgroups are CommonworkGroups too

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CommonworkError as exc:
            note(f"error: {exc.detail} ({exc.code})")
            ctx.exit(EXIT_REFUSED)


@dataclass
class CliState:
    """The root context's object: the global options and, once opened, the node."""

    data_dir: Path | None = None
    serving: bool = False  # the web node (commonwork serve): its own defaults
    _node: Node | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        settings = Settings.from_env(serving=self.serving)
        return settings if self.data_dir is None else settings.with_data_dir(self.data_dir)

    def node(self) -> Node:
        """The node of this data directory, opened on first use and closed at the end."""
        if self._node is None:
            self._node = Node.open(self.settings())
            context = click.get_current_context()
            context.find_root().call_on_close(self._node.close)
            if self._node.due and context.info_name not in REBUILDING_COMMANDS:
                changed = ", ".join(str(due) for due in self._node.due)
                note(
                    f"warning: this node's projections were built by other projection versions "
                    f"than this release's ({changed}): what it reads may be stale and nothing "
                    f"can be written until `commonwork rebuild` has run once"
                )
        return self._node

    def keypair(self, identity: str) -> Keypair:
        """The signing key of a local identity; NotFound says how to create a missing one."""
        return self.node().identities.load(identity).keypair


pass_state = click.make_pass_decorator(CliState, ensure=True)


def json_option(function: F) -> F:
    """``--json``: print one JSON object (an array for lists) on stdout instead of text."""
    decorator = click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the result as JSON on stdout (an object; an array for lists).",
    )
    return decorator(function)


def as_option(function: F) -> F:
    """``--as IDENTITY``: the local identity that signs the action."""
    decorator = click.option(
        "--as",
        "identity",
        default=DEFAULT_IDENTITY,
        show_default=True,
        metavar="IDENTITY",
        help="Local identity that signs the action (see 'commonwork id list').",
    )
    return decorator(function)


def commons_argument(function: F) -> F:
    """``ID``: the id of a commons (the id of its genesis entry, 64 hex)."""
    return click.argument("commons_id", metavar="ID")(function)
