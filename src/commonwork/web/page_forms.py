"""Form helpers for the pages: turn submitted fields into service arguments, and safe redirects.

Nothing here touches the node: it only reads what a person typed and says, in a sentence they can
act on, what is wrong with it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import RedirectResponse

from commonwork.errors import BadInput, CommonworkError
from commonwork.services.charters import DEFAULT_PRESET, PRESETS, decimal_text, founder_seed

JOIN_POLICIES = {"open": "open: anyone may join", "invitation": "by invitation"}
FormText = Annotated[str, Form()]
FormPage = Annotated[int, Form()]
Fields = dict[str, Any]  # what a form gives of an action's body
Labels = dict[str, str]  # the label a form gives each field of an action's body

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
    #: Other licences authors may choose for their own artifacts, one per line.
    other_licences: str = ""
    #: The share (percent, a whole number) of money received for an artifact passed upstream.
    upstream: str = ""

    def charter(self) -> dict[str, Any]:
        if self.join_policy not in JOIN_POLICIES:
            raise BadInput("choose a join policy: open or by invitation")
        charter: dict[str, Any] = {
            "name": self.name.strip(),
            "purpose": self.purpose.strip(),
            "aims": lines_of(self.aims),
            "metrics": metrics_of(self.metrics),
            "licence": self.licence.strip(),
            "join_policy": self.join_policy,
        }
        terms: dict[str, Any] = {}
        if lines_of(self.other_licences):
            terms["licences"] = lines_of(self.other_licences)
        if self.upstream.strip():
            share = self.upstream.strip().removesuffix("%").strip()
            if not share.isdigit() or int(share) > 100:
                raise BadInput(
                    "the upstream share is a whole percentage from 0 to 100",
                    errors=[{"field": "charter.property.upstream_bp", "message": "0 to 100"}],
                )
            terms["upstream_bp"] = int(share) * 100
        if terms:
            charter["property"] = terms
        return charter


@dataclass(frozen=True)
class PolicyField:
    """One number of the found form's advanced section: where it goes in the charter's policies
    and how a person reads it (the policy's own name is shown too, as its messages use it)."""

    name: str
    label: str
    hint: str
    whole: bool = False  # a whole number (days, standing), else a decimal


POLICY_FIELDS = (
    PolicyField(
        "threshold",
        "Weight of approvals that accepts work (threshold)",
        "The approvals of a contribution together must weigh this much.",
    ),
    PolicyField(
        "validator_cap",
        "Most one approval can weigh (validator_cap)",
        "An approval weighs the approver's standing, up to this. At or above the threshold, "
        "one approval is enough.",
    ),
    PolicyField(
        "validator_minimum",
        "Standing needed to weigh in (validator_minimum)",
        "Below it, approvals weigh nothing and disputes are concerns that do not hold work. "
        "Must be above the most points one contribution earns.",
    ),
    PolicyField(
        "challenge_days",
        "Days before undisputed work is accepted without approval (challenge_days)",
        "Whole days.",
        whole=True,
    ),
    PolicyField(
        "lazy_minimum",
        "Standing an author needs for that (lazy_minimum)",
        "Must be above the most points one contribution earns.",
    ),
    PolicyField(
        "cap_per_contribution",
        "Most value points one contribution earns (cap_per_contribution)",
        "One hour of work earns 1 point.",
    ),
    PolicyField(
        "half_life_days",
        "Days in which standing halves (half_life_days)",
        "Whole days.",
        whole=True,
    ),
    PolicyField(
        "founder_seed",
        "Standing you start with as the founder (your seed)",
        "It decays like anyone's. Left as it is, it is twice the higher of the two minimums.",
        whole=True,
    ),
    PolicyField(
        "money_standing_weight",
        "Standing per value point of money (0 to 1)",
        "0: money earns value points (the basis of income shares) but no say in validation; "
        "1: it counts like work.",
    ),
)
POLICY_LABELS = {item.name: item.label for item in POLICY_FIELDS}


def preset_numbers(preset: str) -> dict[str, str]:
    """The advanced section's numbers as ``preset`` sets them, as the form shows them."""
    chosen = PRESETS[preset]
    validation, value = chosen["validation_policy"], chosen["value_policy"]
    return {
        "threshold": str(validation["threshold"]),
        "validator_cap": str(validation["validator_cap"]),
        "validator_minimum": str(validation["validator_minimum"]),
        "challenge_days": str(validation["challenge_days"]),
        "lazy_minimum": str(validation["lazy_minimum"]),
        "cap_per_contribution": str(value["cap_per_contribution"]),
        "half_life_days": str(chosen["standing_policy"]["half_life_days"]),
        "founder_seed": str(founder_seed(validation)),
        "money_standing_weight": str(value.get("standing_weights", {}).get("money", "1")),
    }


def _number(item: PolicyField, text: str) -> Any:
    """A typed number as the charter holds it: an int for whole numbers, else a decimal
    string; BadInput, naming the field, for anything else."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        example = "7" if item.whole else "10 or 0.5"
        raise BadInput(f"{item.label}: write a number such as {example}, not {text!r}")
    if item.whole:
        if number != number.to_integral_value():
            raise BadInput(f"{item.label}: write a whole number, not {text!r}")
        return int(number)
    return decimal_text(number)


@dataclass(frozen=True)
class PolicyForm:
    """The found form's choice of preset and its advanced numbers, as typed.

    The numbers are shown filled in from the preset named ``prefill`` (the default one unless
    the page was asked for another); a number left as it was filled in follows the preset
    chosen, one the person changed overrides it. Nothing here needs JavaScript."""

    preset: str = DEFAULT_PRESET
    prefill: str = DEFAULT_PRESET
    numbers: dict[str, str] = field(default_factory=lambda: preset_numbers(DEFAULT_PRESET))

    @classmethod
    def of(cls, preset: str) -> PolicyForm:
        """The form filled in from ``preset`` (the default preset when there is no such one)."""
        preset = preset if preset in PRESETS else DEFAULT_PRESET
        return cls(preset, preset, preset_numbers(preset))

    def changed(self) -> dict[str, str]:
        """The numbers the person changed from those filled in (a blank one follows the
        preset too)."""
        filled = preset_numbers(self.prefill if self.prefill in PRESETS else DEFAULT_PRESET)
        typed = {name: self.numbers.get(name, "").strip() for name in filled}
        return {name: text for name, text in typed.items() if text and text != filled[name]}

    def policies(self, founder: str) -> dict[str, Any]:
        """The charter's three policies: the chosen preset's, with the changed numbers, and
        ``founder`` as the one founder."""
        if self.preset not in PRESETS:
            raise BadInput("choose one of the presets: " + ", ".join(PRESETS))
        chosen = copy.deepcopy(PRESETS[self.preset])
        validation, value = chosen["validation_policy"], chosen["value_policy"]
        standing: dict[str, Any] = dict(chosen["standing_policy"])
        seed: int | None = None
        changed = self.changed()
        for item in POLICY_FIELDS:
            text = changed.get(item.name)
            if text is None:
                continue
            number = _number(item, text)
            if item.name in validation:
                validation[item.name] = number
            elif item.name == "cap_per_contribution":
                value["cap_per_contribution"] = number
            elif item.name == "money_standing_weight":
                value["standing_weights"] = {**value.get("standing_weights", {}), "money": number}
            elif item.name == "half_life_days":
                standing["half_life_days"] = number
            else:
                seed = number
        if seed is None:  # left as filled in: follows the minimums finally chosen
            seed = founder_seed(validation)
        standing["founders"] = [{"member": founder, "standing": seed}]
        return {"validation_policy": validation, "value_policy": value, "standing_policy": standing}


@dataclass(frozen=True)
class ContributionForm:
    kind: str = "work"
    quantity: str = ""
    currency: str = ""
    description: str = ""
    resource: str = ""

    def body(self, task: str = "") -> dict[str, Any]:
        """The body of a contribution: what the form holds, the currency only for money and the
        resource only for the use of a lent tool (the form shows both fields), and the task it
        is for. Nothing is checked here: the action type's own schema decides, as it does for
        the API and the command line."""
        optional = {
            "currency": self.currency.strip().upper() if self.kind == "money" else "",
            "resource": self.resource.strip() if self.kind == "resource_use" else "",
            "task": task,
        }
        required = {"kind": self.kind, "quantity": self.quantity.strip()}
        given = {name: value for name, value in optional.items() if value}
        return {**required, "description": self.description.strip(), **given}


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

    def body(self) -> dict[str, Any]:
        """The body of a task; no estimate when the field is left empty."""
        body = {"title": self.title.strip(), "description": self.description.strip()}
        estimate = {"estimate": self.estimate.strip()} if self.estimate.strip() else {}
        return {**body, "skills": self.skill_list(), **estimate}


def verdict_body(
    contribution: str = "", verdict: str = "", reason: str = "", quantity: str = ""
) -> Fields:
    """The body of a verdict on a contribution, from its form: the quantity counts only for an
    adjustment."""
    body = {"contribution": contribution, "verdict": verdict, "reason": reason.strip()}
    return {**body, "quantity": quantity.strip()} if verdict == "adjust" else body


def withdrawal_fields(reason: str = "") -> Fields:
    """What a withdrawal's form says: why, optionally."""
    return {"reason": reason.strip()}


def correction_fields(quantity: str = "", description: str = "", reason: str = "") -> Fields:
    """What a correction's form changes, with the reason: the fields the person filled in (those
    left blank stay as they were)."""
    changes = {"quantity": quantity.strip(), "description": description.strip()}
    return {"reason": reason.strip(), **{name: text for name, text in changes.items() if text}}


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
    "charter.property.licences": "Authors may also choose",
    "charter.property.upstream_bp": "Share passed upstream",
    "charter": "Rules",
}
VALIDATION_LABELS = {"reason": "Reason", "quantity": "Quantity you find right"}
CORRECTION_LABELS = {
    "quantity": "Corrected quantity",
    "description": "Corrected description",
    "reason": "Why correct it",
    "contribution": "Contribution",
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
