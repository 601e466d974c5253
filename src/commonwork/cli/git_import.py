"""``commonwork import-git``: a git repository's commits as artifact contributions."""

from __future__ import annotations

from pathlib import Path

import click

from commonwork.cli.context import CliState, json_option, pass_state
from commonwork.cli.output import emit_json, fields, progress_bar
from commonwork.services import git_import


@click.command("import-git")
@click.argument("repo_path", metavar="REPO_PATH", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--commons", "commons_id", required=True, metavar="ID", help="The commons to import into."
)
@click.option(
    "--url-template",
    metavar="TEMPLATE",
    help="Web address of a commit, with {sha} where the commit goes (default: from an http(s) "
    "remote 'origin', as https://host/path/commit/{sha}).",
)
@click.option("--skill", help="The skill every imported contribution is credited to, e.g. python.")
@json_option
@pass_state
def import_git(
    state: CliState,
    repo_path: Path,
    commons_id: str,
    url_template: str | None,
    skill: str | None,
    as_json: bool,
) -> None:
    """Record the commits of the git repository at REPO_PATH as artifact contributions.

    Each commit (merges left out) is recorded, signed with their own key, by the first of its
    authors (the commit's author, then its Co-authored-by trailers; .mailmap honoured) who is a
    member of the commons and has claimed that address on this node (commonwork email claim);
    its other claimed authors are co-authors with equal shares. Reviewed-by, Acked-by and
    Tested-by trailers of claimed members who are not authors become approvals. Commits with
    no claimed author are left for a later run. Running it again adds only new commits (and
    the approvals of new claims). E-mail addresses never enter the journal. A progress bar
    counts the commits on stderr. See docs/git-import.md.
    """
    node = state.node()
    git_import.check_repository(repo_path)
    total = git_import.count_commits(repo_path)
    with progress_bar("importing commits", total) as progress:
        result = git_import.import_git(
            node,
            commons_id=commons_id,
            repo=repo_path,
            url_template=url_template,
            skill=skill,
            progress=progress,
        )
    if as_json:
        emit_json(result.as_json())
    else:
        _print_result(result)


def _print_result(result: git_import.GitImport) -> None:
    unclaimed = f"{result.unclaimed} commits, by {result.unclaimed_addresses} unclaimed addresses"
    fields(
        [
            ("commons", result.commons_id),
            ("commits", result.commits),
            ("contributions", f"{result.contributions} recorded"),
            ("validations", f"{result.validations} recorded"),
            ("already imported", f"{result.already_imported} commits"),
            ("unclaimed", unclaimed),
        ]
    )
