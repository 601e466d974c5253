"""Licence compatibility for derivations, decided by a table shipped as data.

``licence_rules.json`` holds, for (source licence, derived licence, kind), a decision
``allow | refuse | review`` and the licence clauses behind it. :func:`decide` reads SPDX
expressions on both sides:

* source ``A OR B``: the deriver may take the source under either branch, so the best branch
  decides (allow > review > refuse); source ``A AND B``: every part is in the derivation, so the
  worst part decides;
* derived ``A OR B``: a recipient may take either branch, so every branch must allow (the worst
  decides); derived ``A AND B``: which part the source material lands in is not known, so the
  parts decide when they agree and otherwise the answer is ``review``;
* ``A WITH exception``: the base licence decides. Exceptions add permissions, so on the source
  side this is the cautious reading; on the derived side a person reviewing an ``allow`` should
  know the exception is not weighed;
* a licence not in the table (any ``LicenseRef-`` except ``LicenseRef-PPL``, an alias of the
  SPDX id ``PPL``) gives ``review``.

The table is read once; :func:`decide` is pure and deterministic after that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("adaptation", "collection", "use", "copy")
DECISIONS = ("refuse", "review", "allow")  # worst to best
_RANK = {d: i for i, d in enumerate(DECISIONS)}


@dataclass(frozen=True)
class Citation:
    """One licence clause: which licence, which section, what it says, where to read it."""

    key: str
    licence: str
    section: str
    text: str
    url: str


@dataclass(frozen=True)
class Licence:
    """A licence in the table. ``commercial`` is ``allowed``, ``noncommercial`` (CC NC) or
    ``worker-owned`` (the PPL's §4(c)): read later by commercial declarations."""

    id: str
    name: str
    url: str
    commercial: str
    adaptations_shared: bool
    #: The clause that limits commercial use (NC licences, the PPL), by key.
    commercial_clause: str | None = None


@dataclass(frozen=True)
class Rule:
    decision: str
    citations: tuple[Citation, ...]
    note: str
    osadl_note: str


@dataclass(frozen=True)
class Decision:
    """The answer for one derivation. ``alternatives`` (on a refusal only) are the licences in
    the table the derived artifact could take instead, sorted."""

    decision: str
    citations: tuple[Citation, ...]
    notes: tuple[str, ...]
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Table:
    licences: dict[str, Licence]
    aliases: dict[str, str]
    rules: dict[tuple[str, str, str], Rule]
    clauses: dict[str, Citation]


@dataclass(frozen=True)
class Commercial:
    """Whether an organisation may use a work under an expression commercially.

    ``decision``: ``allow``; ``licence`` (it needs a licence from the licensors: the PPL to an
    organisation that is not worker-owned, or a licence the table does not know); ``refuse``
    (every way to take it is non-commercial). ``how`` says on which terms it is allowed
    (``open``, ``worker_owned``, ``mandate``)."""

    decision: str
    how: str
    citations: tuple[Citation, ...]
    licences: tuple[str, ...]  # the licence ids that decided it


def _load(raw: dict[str, Any]) -> _Table:
    """The table from its JSON form; ValueError on an unknown licence, clause or kind, a rule
    without a citation, or two rules for the same (source, derived, kind)."""
    if tuple(raw["kinds"]) != KINDS:
        raise ValueError(f"licence table kinds {raw['kinds']} are not {KINDS}")
    licences = {
        key: Licence(
            key,
            v["name"],
            v["url"],
            v["commercial"],
            bool(v["adaptations_shared"]),
            v.get("commercial_clause"),
        )
        for key, v in raw["licences"].items()
    }
    clauses = {
        key: Citation(key, v["licence"], v["section"], v["text"], v["url"])
        for key, v in raw["clauses"].items()
    }
    for key, found in licences.items():
        if found.commercial not in ("allowed", "noncommercial", "worker-owned"):
            raise ValueError(f"licence {key}: commercial {found.commercial!r}")
        if (found.commercial != "allowed") != (found.commercial_clause in clauses):
            raise ValueError(f"licence {key}: a limit on commercial use cites its clause")
    rules: dict[tuple[str, str, str], Rule] = {}
    for n, entry in enumerate(raw["rules"]):
        if entry["decision"] not in _RANK:
            raise ValueError(f"rule {n}: decision {entry['decision']!r}")
        if not entry["clauses"]:
            raise ValueError(f"rule {n}: no clause cited")
        unknown = [c for c in entry["clauses"] if c not in clauses]
        if unknown:
            raise ValueError(f"rule {n}: unknown clauses {unknown}")
        derived = list(licences) if entry["derived"] == "*" else entry["derived"]
        rule = Rule(
            entry["decision"],
            tuple(clauses[c] for c in entry["clauses"]),
            entry.get("note", ""),
            entry.get("osadl_note", ""),
        )
        for source in entry["sources"]:
            for target in derived:
                for kind in entry["kinds"]:
                    if source not in licences or target not in licences or kind not in KINDS:
                        raise ValueError(f"rule {n}: unknown {(source, target, kind)}")
                    if (source, target, kind) in rules:
                        raise ValueError(f"rule {n}: second rule for {(source, target, kind)}")
                    rules[(source, target, kind)] = rule
    aliases = {alias.lower(): key for alias, key in raw["aliases"].items()}
    aliases.update({key.lower(): key for key in licences})
    return _Table(licences, aliases, rules, clauses)


@cache
def _table() -> _Table:
    text = resources.files("commonwork.property").joinpath("licence_rules.json").read_text("utf-8")
    return _load(json.loads(text))


@cache
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def licences() -> tuple[str, ...]:
    """The licence ids the table covers, sorted."""
    return tuple(sorted(_table().licences))


def licence(key: str) -> Licence | None:
    """The table's entry for an SPDX id (or alias), or None."""
    table = _table()
    canonical = table.aliases.get(key.lower())
    return table.licences[canonical] if canonical else None


def alternatives(expression: str) -> tuple[str, ...]:
    """The expression and, for ``A OR B …``, each of its choices as it is written in it (a user
    may rely on any one of them)."""
    from license_expression import OR

    parsed = _licensing().parse(expression, validate=False, strict=False)
    found = [str(parsed)]
    if isinstance(parsed, OR):
        found += [str(arg) for arg in parsed.args]
    return tuple(found)


def clause(key: str) -> Citation | None:
    """A clause of the table by its key (as a derivation's decision records it), or None."""
    return _table().clauses.get(key)


def rule(source: str, derived: str, kind: str) -> Rule | None:
    """The table's rule for two licence ids, or None when the pair is not covered."""
    table = _table()
    s, d = table.aliases.get(source.lower()), table.aliases.get(derived.lower())
    if s is None or d is None:
        return None
    return table.rules.get((s, d, kind))


# An expression tree: ("leaf", id) | ("or", children) | ("and", children)
_Node = tuple[str, Any]


@cache
def _parse(expression: str) -> _Node:
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if not expression.strip():
        raise ValueError("a licence is required, as an SPDX expression such as CC-BY-SA-4.0")
    try:
        parsed = _licensing().parse(expression, validate=False, strict=False)
    except Exception as exc:  # the library raises several unrelated types for bad syntax
        raise ValueError(f"{expression!r} is not a valid SPDX expression: {exc}") from exc

    def walk(node: Any) -> _Node:
        if isinstance(node, LicenseWithExceptionSymbol):
            return walk(node.license_symbol)
        if isinstance(node, LicenseSymbol):
            return ("leaf", str(node.key))
        if isinstance(node, OR | AND):
            op = "or" if isinstance(node, OR) else "and"
            return (op, tuple(walk(arg) for arg in node.args))
        raise ValueError(f"{expression!r}: unexpected part {node!r}")

    return walk(parsed)


@dataclass(frozen=True)
class _Outcome:
    decision: str
    citations: tuple[Citation, ...]
    notes: tuple[str, ...]


def _merge(decision: str, outcomes: list[_Outcome]) -> _Outcome:
    """``decision`` with the reasons of the outcomes that reached it (all of them if none did)."""
    chosen = [o for o in outcomes if o.decision == decision] or outcomes
    citations = {c.key: c for o in chosen for c in o.citations}
    notes = {n for o in chosen for n in o.notes if n}
    return _Outcome(decision, tuple(citations[k] for k in sorted(citations)), tuple(sorted(notes)))


def _leaf(table: _Table, source: str, derived: str, kind: str) -> _Outcome:
    s, d = table.aliases.get(source.lower()), table.aliases.get(derived.lower())
    if s is None or d is None:
        missing = [x for x, canonical in ((source, s), (derived, d)) if canonical is None]
        return _Outcome(
            "review", (), (f"{', '.join(missing)} not in the licence table: a person decides",)
        )
    found = table.rules.get((s, d, kind))
    if found is None:
        return _Outcome("review", (), (f"no rule for {s} → {d} ({kind}): a person decides",))
    note = f"{s} → {d} ({kind}): {found.note}" if found.note else f"{s} → {d} ({kind})"
    return _Outcome(found.decision, found.citations, (note,))


def _derived_side(table: _Table, source: str, node: _Node, kind: str) -> _Outcome:
    if node[0] == "leaf":
        return _leaf(table, source, node[1], kind)
    parts = [_derived_side(table, source, child, kind) for child in node[1]]
    decisions = {p.decision for p in parts}
    if node[0] == "or":
        return _merge(min(decisions, key=_RANK.__getitem__), parts)
    return _merge(decisions.pop() if len(decisions) == 1 else "review", parts)


def _source_side(table: _Table, node: _Node, derived: _Node, kind: str) -> _Outcome:
    if node[0] == "leaf":
        return _derived_side(table, node[1], derived, kind)
    parts = [_source_side(table, child, derived, kind) for child in node[1]]
    pick = max if node[0] == "or" else min
    return _merge(pick((p.decision for p in parts), key=_RANK.__getitem__), parts)


def decide(source_expr: str, derived_expr: str, kind: str) -> Decision:
    """Whether a work under ``source_expr`` may be derived, as ``kind``, into an artifact under
    ``derived_expr``. ValueError on an unknown kind or an unparseable expression."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    table = _table()
    source, derived = _parse(source_expr), _parse(derived_expr)
    outcome = _source_side(table, source, derived, kind)
    alternatives: tuple[str, ...] = ()
    if outcome.decision == "refuse":
        alternatives = tuple(
            key
            for key in sorted(table.licences)
            if _source_side(table, source, ("leaf", key), kind).decision == "allow"
        )
    return Decision(outcome.decision, outcome.citations, outcome.notes, alternatives)


_COMMERCIAL_RANK = {"refuse": 0, "licence": 1, "allow": 2}
_HOW_RANK = {"open": 0, "worker_owned": 1, "mandate": 2}


def commercial_use(expression: str, *, worker_owned: bool, mandated: bool) -> Commercial:
    """Whether a commercial use of a work under ``expression`` is allowed to an organisation.

    Per licence: ``allowed`` allows; ``noncommercial`` (CC NC §2(a)(1)) refuses; the PPL
    (§4(b)-(d)) allows a worker-owned enterprise that distributes its surplus to its
    worker-owners, and otherwise needs a licence from the licensors — which the association
    grants when the charter carries a licensing mandate and the organisation has a benefit-
    sharing agreement (``mandated``); a licence the table does not know needs a licence too.
    ``A OR B``: the user takes the better branch; ``A AND B``: the worse part decides."""
    table = _table()

    def leaf(key: str) -> Commercial:
        canonical = table.aliases.get(key.lower())
        if canonical is None:
            return Commercial("allow" if mandated else "licence", "mandate", (), (key,))
        found = table.licences[canonical]
        cited = (table.clauses[found.commercial_clause],) if found.commercial_clause else ()
        if found.commercial == "allowed":
            return Commercial("allow", "open", (), (canonical,))
        if found.commercial == "noncommercial":
            return Commercial("refuse", "", cited, (canonical,))
        if worker_owned:
            return Commercial("allow", "worker_owned", cited, (canonical,))
        return Commercial("allow" if mandated else "licence", "mandate", cited, (canonical,))

    def walk(node: _Node) -> Commercial:
        if node[0] == "leaf":
            return leaf(node[1])
        parts = [walk(child) for child in node[1]]
        pick = max if node[0] == "or" else min
        chosen = pick(_COMMERCIAL_RANK[p.decision] for p in parts)
        deciding = sorted(
            (p for p in parts if _COMMERCIAL_RANK[p.decision] == chosen),
            key=lambda p: _HOW_RANK.get(p.how, 3),  # on open terms first, if a branch has them
        )
        citations = {c.key: c for p in deciding for c in p.citations}
        return Commercial(
            deciding[0].decision,
            deciding[0].how,
            tuple(citations[k] for k in sorted(citations)),
            tuple(sorted({key for p in deciding for key in p.licences})),
        )

    return walk(_parse(expression))


def clause_text(citation: Citation) -> str:
    """A citation as a refusal quotes it: licence, section, text (without its final stop, so
    that citations join with semicolons)."""
    return f"{citation.licence} {citation.section}: {citation.text.rstrip('.')}"
