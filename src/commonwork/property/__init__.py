"""The property area: peer property.

Artifacts with versions and a licence their authors choose among those the charter allows
(commonwork.property.artifacts); licence changes by the consent of every contributor with a
share; derivations within and across commons, proved by the source's signed entries and checked
against a licence compatibility table shipped as data with its clauses
(commonwork.property.derivations, commonwork.property.licences); copyfarleft commercial use
(commonwork.property.commercial, a guard on the economy's declared uses); and the share of money
received for an artifact that passes upstream over the derivation graph, exactly
(commonwork.property.upstream_share, commonwork.property.upstream).

Builds on the commons, production (contributions linked to artifacts), standing (their value
points), governance (a derivation that needs review is an arbitration case) and the economy
(organisations, agreements, the books). A fork carries the artifacts and what was derived from
what; the flows of money passed upstream are money, and a fork's books start empty: so do they.
"""

from commonwork.journal.area import Area
from commonwork.property import artifacts, commercial, derivations
from commonwork.property.tables import TABLES, upstream_flows
from commonwork.property.upstream_share import UPSTREAM

ACTIONS = artifacts.ACTIONS + derivations.ACTIONS

AREA = Area(
    name="property",
    summary="Artifacts with their own licences, derivations checked for compatibility, "
    "copyfarleft commercial use, and credit that flows upstream",
    builds_on=("commons", "production", "standing", "governance", "economy"),
    actions=ACTIONS,
    tables=TABLES,
    case_subjects=derivations.CASE_SUBJECTS,
    events=derivations.events,
    guards=commercial.GUARDS,
    upstream=UPSTREAM,
    fork={table.name: ("reset" if table is upstream_flows else "carry") for table in TABLES},
)

__all__ = ["ACTIONS", "AREA", "TABLES"]
