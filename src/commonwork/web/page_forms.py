"""Form helpers for the pages: turn submitted fields into service arguments, and safe redirects.

Nothing here touches the node: it only reads what a person typed and says, in a sentence they can
act on, what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form
from fastapi.responses import RedirectResponse

from commonwork.errors import BadInput, CommonworkError

JOIN_POLICIES = {"open": "open: anyone may join", "invitation": "by invitation"}
FormText = Annotated[str, Form()]
FormPage = Annotated[int, Form()]

CONTRIBUTION_KINDS = {
    "work": "Work (hours)",
    "review": "Review (hours)",
    "care": "Care, community work (hours)",
    "resource_use": "Use of a lent tool or machine (hours)",
    "artifact": "Artifact (items)",
    "money": "Money (minor units, e.g. cents)",
}
#: Offered in the licence field's suggestion list; any SPDX expression is accepted.
SUGGESTED_LICENCES = (
    "CC-BY-SA-4.0",
    "CC-BY-4.0",
    "CC0-1.0",
    "PPL",
    "GPL-3.0-or-later",
    "AGPL-3.0-or-later",
    "Apache-2.0",
    "MIT",
)


def lines_of(text: str) -> list[str]:
    """The non-blank lines of a textarea, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def metrics_of(text: str) -> list[dict[str, str]]:
    """Metrics written one per line as ``name: description``."""
    metrics = []
    for number, line in enumerate(lines_of(text), start=1):
        name, colon, description = line.partition(":")
        if not colon or not name.strip() or not description.strip():
            raise BadInput(
                f"metric line {number} ({line!r}) needs a name and a description: "
                "write it as 'name: description'"
            )
        metrics.append({"name": name.strip(), "description": description.strip()})
    return metrics


@dataclass(frozen=True)
class CharterForm:
    """What the found form holds, kept as typed so the form can be shown again."""

    name: str = ""
    purpose: str = ""
    aims: str = ""
    metrics: str = ""
    licence: str = "CC-BY-SA-4.0"
    join_policy: str = "open"

    def charter(self) -> dict[str, Any]:
        if self.join_policy not in JOIN_POLICIES:
            raise BadInput("choose a join policy: open or by invitation")
        return {
            "name": self.name.strip(),
            "purpose": self.purpose.strip(),
            "aims": lines_of(self.aims),
            "metrics": metrics_of(self.metrics),
            "licence": self.licence.strip(),
            "join_policy": self.join_policy,
        }


@dataclass(frozen=True)
class ContributionForm:
    kind: str = "work"
    quantity: str = ""
    currency: str = ""
    description: str = ""
    resource: str = ""

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``record_contribution``: the currency only for money, the
        resource only for the use of a lent tool."""
        if self.kind not in CONTRIBUTION_KINDS:
            raise BadInput(
                "choose what kind of contribution this is: " + ", ".join(CONTRIBUTION_KINDS)
            )
        currency = self.currency.strip().upper() if self.kind == "money" else None
        if self.kind == "money" and not currency:
            raise BadInput("money needs its currency, as a 3-letter code such as EUR")
        resource = self.resource.strip() if self.kind == "resource_use" else None
        if self.kind == "resource_use" and not resource:
            raise BadInput("name the tool or machine you used (the lent resource)")
        arguments: dict[str, Any] = {
            "kind": self.kind,
            "quantity": self.quantity.strip(),
            "description": self.description.strip(),
            "currency": currency,
        }
        if resource:
            arguments["resource"] = resource
        return arguments


def contribution_fields(
    kind: FormText = "work",
    quantity: FormText = "",
    currency: FormText = "",
    description: FormText = "",
    resource: FormText = "",
) -> ContributionForm:
    """The contribution form as posted: its fields are declared here once, for every page that
    records a contribution (a FastAPI dependency)."""
    return ContributionForm(kind, quantity, currency, description, resource)


PostedContribution = Annotated[ContributionForm, Depends(contribution_fields)]


@dataclass(frozen=True)
class TaskForm:
    """What the post-a-task form holds; skills are typed comma-separated."""

    title: str = ""
    description: str = ""
    skills: str = ""
    estimate: str = ""

    def skill_list(self) -> list[str]:
        """The skills as the journal names them: lowercase, words joined by '-', each once."""
        found: list[str] = []
        for part in self.skills.split(","):
            skill = skill_of(part)
            if skill and skill not in found:
                found.append(skill)
        return found

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``post_task``; no estimate when the field is left empty."""
        return {
            "title": self.title.strip(),
            "description": self.description.strip(),
            "skills": self.skill_list(),
            "estimate": self.estimate.strip() or None,
        }


def skill_of(text: str) -> str:
    """A typed skill as the journal names it: ``Seed Press`` becomes ``seed-press``."""
    return "-".join(text.lower().split())


CHARTER_LABELS = {
    "charter.name": "Name",
    "charter.purpose": "Purpose",
    "charter.aims": "Aims",
    "charter.metrics": "Metrics",
    "charter.licence": "Licence",
    "charter.join_policy": "Who may join",
}
TASK_LABELS = {
    "title": "Title",
    "description": "Description",
    "skills": "Skills",
    "estimate": "Estimate (hours)",
}
CONTRIBUTION_LABELS = {
    "kind": "Kind",
    "quantity": "Quantity",
    "currency": "Currency",
    "description": "Description",
}


def _field_label(field: str, labels: dict[str, str]) -> str:
    for prefix, label in labels.items():
        if field == prefix or field.startswith(prefix + "."):
            return label
    return field


def form_message(error: CommonworkError, labels: dict[str, str]) -> str:
    """The error in the words of the form: field labels instead of the action's field paths."""
    problems = error.extra.get("errors")
    if not isinstance(problems, list) or not problems:
        return error.detail
    parts = []
    for problem in problems:
        message = str(problem.get("message", "")).removeprefix("Value error, ")
        label = _field_label(str(problem.get("field", "")), labels)
        parts.append(f"{label}: {message}" if label else message[:1].upper() + message[1:])
    return "; ".join(parts)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after signing in; anything else (another site) becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    """The answer to a successful form post: go and look (303), so reloading posts nothing."""
    return RedirectResponse(url, status_code=303)


def shorten(value: object, keep: int = 10) -> str:
    """A long identifier (did, hash, signature) cut to its start and end for reading."""
    text = "" if value is None else str(value)
    prefix = "did:key:" if text.startswith("did:key:") else ""
    core = text[len(prefix) :]
    if len(core) <= keep + 6:
        return text
    return f"{prefix}{core[:keep]}…{core[-6:]}"


def when(value: object) -> str:
    """An ISO timestamp as a person reads it: ``2026-11-21 10:00 UTC``."""
    text = "" if value is None else str(value)
    if len(text) < 16 or text[10] != "T":
        return text
    return f"{text[:10]} {text[11:16]} UTC"
