"""Attribution generated from an artifact's record (commonwork.property.attribution): the NOTICE
in TASL form, the SPDX 2.3 document (validated by spdx-tools, written and parsed back), and a
REUSE tree that the `reuse` tool itself lints, with a negative control."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from spdx_tools.spdx.model.relationship import RelationshipType
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from commonwork.property import attribution, licences
from commonwork.property.attribution import (
    ArtifactRecord,
    Contributor,
    SourceWork,
    Version,
    notice_text,
    reuse_toml,
    reuse_tree,
    spdx_document,
    spdx_json,
    validate,
)

SHA_1 = "1f" * 32
SHA_2 = "2e" * 32
COMMONS = "c0" * 32
OTHER = "d1" * 32


def _record(**changes: Any) -> ArtifactRecord:
    record = ArtifactRecord(
        commons_id=COMMONS,
        commons_name="Solar Dryers (Valencia)",
        artifact_id="a7" * 32,
        title="Solar dryer, model B",
        kind="design",
        licence="CC-BY-SA-4.0 OR PPL",
        versions=(
            Version(1, SHA_1, None, None, None, "2025-03-02T09:30:00.000Z"),
            Version(
                2,
                SHA_2,
                "https://files.example.org/dryer-b-v2.pdf",
                123_456,
                "application/pdf",
                "2026-01-15T12:00:07.123Z",
            ),
        ),
        contributors=(
            Contributor("did:key:z6MkAna", "Ana Lima", 2_000),
            Contributor("did:key:z6MkZoe", "Zoë Núñez", 5_500),
            Contributor("did:key:z6MkBo", "Bo", 2_000),
            Contributor("did:key:z6MkQ", 'Kwame "KB" Boateng', 500),
        ),
        sources=(
            SourceWork(
                "Drying rack",
                OTHER,
                "b1" * 32,
                "CC-BY-SA-4.0",
                "https://other.example.org/commons/d1/artifacts/b1",
                ("Lee Wong", "Priya Nair"),
                "adaptation",
            ),
            SourceWork("Fan controller", OTHER, "b2" * 32, "MIT", None, ("Sam",), "collection"),
            SourceWork("Airflow paper", OTHER, "b3" * 32, "PPL", None, ("Ines",), "use"),
            SourceWork("Tray drawings", COMMONS, "b4" * 32, "LicenseRef-Foo", None, (), "copy"),
            SourceWork(
                "Sensor firmware",
                OTHER,
                "b5" * 32,
                "GPL-3.0-or-later OR MIT",
                None,
                ("Kai", "Lu"),
                "collection",
                changed=True,
            ),
        ),
        created_at="2025-03-01T08:00:00.000Z",
        base_url="https://commons.example.org",
    )
    return dataclasses.replace(record, **changes)


RECORD = _record()


# -- SPDX ------------------------------------------------------------------------------------


def test_spdx_json_validates_and_parses_back_valid(tmp_path: Path) -> None:
    assert validate(RECORD) == []
    path = tmp_path / "dryer.spdx.json"
    path.write_text(spdx_json(RECORD), encoding="utf-8")
    parsed = parse_file(str(path))
    assert [m.validation_message for m in validate_full_spdx_document(parsed)] == []
    assert parsed.creation_info.spdx_version == "SPDX-2.3"
    assert len(parsed.packages) == 1 + len(RECORD.sources)


def test_spdx_document_describes_the_artifact_from_its_record() -> None:
    document = spdx_document(RECORD)
    info = document.creation_info
    assert [str(a) for a in info.creators] == [
        "Tool: commonwork",
        "Organization: Solar Dryers [Valencia]",  # parentheses would read as an e-mail address
    ]
    assert info.created == datetime(2026, 1, 15, 12, 0, 7)  # the latest version, not the clock
    artifact = document.packages[0]
    assert artifact.version == "2"
    assert artifact.download_location == "https://files.example.org/dryer-b-v2.pdf"
    assert [(c.algorithm.name, c.value) for c in artifact.checksums] == [("SHA256", SHA_2)]
    assert str(artifact.license_declared) == "CC-BY-SA-4.0 OR LicenseRef-PPL"
    assert str(artifact.license_concluded) == "CC-BY-SA-4.0 OR LicenseRef-PPL"
    assert artifact.homepage == (
        f"https://commons.example.org/commons/{COMMONS}/artifacts/{RECORD.artifact_id}"
    )
    describes = [r for r in document.relationships if r.spdx_element_id == "SPDXRef-DOCUMENT"]
    assert [(r.relationship_type, r.related_spdx_element_id) for r in describes] == [
        (RelationshipType.DESCRIBES, artifact.spdx_id)
    ]


def test_each_derivation_kind_has_its_relationship() -> None:
    document = spdx_document(RECORD)
    names = {p.spdx_id: p.name for p in document.packages}
    related = {
        names[r.related_spdx_element_id]: r.relationship_type.name
        for r in document.relationships
        if r.spdx_element_id == "SPDXRef-Artifact"
    }
    assert related == {
        "Drying rack": "DESCENDANT_OF",  # adaptation
        "Fan controller": "CONTAINS",  # collection
        "Sensor firmware": "CONTAINS",  # collection, changed (the comment says so)
        "Airflow paper": "DEPENDS_ON",  # use
        "Tray drawings": "COPY_OF",  # copy
    }
    changed_copy = _record(
        sources=(SourceWork("Tray", OTHER, "b6" * 32, "MIT", None, ("A",), "copy", changed=True),)
    )
    [relationship] = [
        r
        for r in spdx_document(changed_copy).relationships
        if r.spdx_element_id != "SPDXRef-DOCUMENT"
    ]
    assert relationship.relationship_type is RelationshipType.DESCENDANT_OF  # no exact copy


def test_licences_off_the_list_get_extracted_licensing_info() -> None:
    document = spdx_document(RECORD)
    infos = {i.license_id: i for i in document.extracted_licensing_info}
    assert sorted(infos) == ["LicenseRef-Foo", "LicenseRef-PPL"]
    ppl = infos["LicenseRef-PPL"]
    assert ppl.license_name == "Peer Production License"
    assert ppl.cross_references == ["https://wiki.p2pfoundation.net/Peer_Production_License"]
    assert ppl.extracted_text.startswith("Peer Production License\n")
    assert "worker-owned" in ppl.extracted_text  # the full text, not a pointer
    assert "LicenseRef-Foo" in infos["LicenseRef-Foo"].extracted_text
    declared = {p.name: str(p.license_declared) for p in document.packages}
    assert declared["Airflow paper"] == "LicenseRef-PPL"
    assert declared["Sensor firmware"] == "GPL-3.0-or-later OR MIT"
    # A record naming the PPL by its LicenseRef, or in lower case, reads the same.
    same = _record(licence="cc-by-sa-4.0 OR LicenseRef-PPL")
    assert spdx_json(same) == spdx_json(RECORD)


def test_namespace_is_derived_from_the_ids_and_the_latest_version() -> None:
    namespace = spdx_document(RECORD).creation_info.document_namespace
    assert namespace == spdx_document(_record()).creation_info.document_namespace
    assert namespace.startswith("https://commons.example.org/spdx/commonwork-")
    other_version = _record(versions=(Version(1, SHA_1, None, None, None, RECORD.created_at),))
    assert spdx_document(other_version).creation_info.document_namespace != namespace
    no_node = _record(base_url=None)
    assert spdx_document(no_node).creation_info.document_namespace.startswith(
        "https://spdx.org/spdxdocs/commonwork-"
    )
    assert validate(no_node) == []


# -- NOTICE ----------------------------------------------------------------------------------


def test_every_chosen_name_is_in_the_notice_and_the_copyright_text(tmp_path: Path) -> None:
    notice = notice_text(RECORD)
    path = tmp_path / "d.spdx.json"
    path.write_text(spdx_json(RECORD), encoding="utf-8")
    copyright_text = parse_file(str(path)).packages[0].copyright_text
    for contributor in RECORD.contributors:
        assert contributor.name in notice
        assert f"Copyright 2025-2026 {contributor.name}" in copyright_text
    # Largest share first, then by name: Zoë, then Ana and Bo (2,000 each), then Kwame.
    authors = notice.split("Authors:", 1)[1].split("Source:", 1)[0].split()
    assert " ".join(authors) == 'Zoë Núñez Ana Lima Bo Kwame "KB" Boateng'


def test_notice_follows_tasl_and_says_what_was_changed() -> None:
    notice = notice_text(RECORD)
    this_work, sources = notice.split("WORKS IT IS MADE FROM (5)")
    for part in ("Title:       Solar dryer, model B", "Licence:     CC-BY-SA-4.0 OR PPL"):
        assert part in this_work
    assert "PPL: Peer Production License <https://wiki.p2pfoundation.net/" in this_work
    assert f"sha256 {SHA_2}" in this_work
    assert f"https://commons.example.org/commons/{COMMONS}/artifacts/{'a7' * 32}" in this_work
    by_title = {block.split("\n", 1)[0].strip(): block for block in sources.split("\nTitle:")[1:]}
    assert len(by_title) == 5
    assert "adaptation: changes were made" in by_title["Drying rack"]
    assert '"Drying rack" by Lee Wong and Priya Nair' in by_title["Drying rack"]
    assert "licensed under CC-BY-SA-4.0; changes were made." in by_title["Drying rack"]
    assert "collection: collected; changes were made" in by_title["Sensor firmware"]
    assert "collection: collected unchanged" in by_title["Fan controller"]
    assert "use: used unchanged" in by_title["Airflow paper"]
    assert "copy: copied unchanged" in by_title["Tray drawings"]
    assert "Authors:     not recorded" in by_title["Tray drawings"]
    assert "changes were made" not in by_title["Fan controller"]


def test_output_is_deterministic_and_ignores_the_record_order() -> None:
    assert notice_text(RECORD).encode() == notice_text(_record()).encode()
    assert spdx_json(RECORD).encode() == spdx_json(_record()).encode()
    assert reuse_toml(RECORD).encode() == reuse_toml(_record()).encode()
    shuffled = _record(
        contributors=tuple(reversed(RECORD.contributors)),
        sources=tuple(reversed(RECORD.sources)),
        versions=tuple(reversed(RECORD.versions)),
    )
    assert notice_text(shuffled) == notice_text(RECORD)
    assert spdx_json(shuffled) == spdx_json(RECORD)
    assert reuse_toml(shuffled) == reuse_toml(RECORD)


# -- REUSE -----------------------------------------------------------------------------------


def test_reuse_toml_reads_back() -> None:
    parsed = tomllib.loads(reuse_toml(RECORD))
    assert parsed["version"] == 1
    [annotation] = parsed["annotations"]
    assert annotation["path"] == "**"
    assert annotation["SPDX-License-Identifier"] == "CC-BY-SA-4.0 OR LicenseRef-PPL"
    assert annotation["SPDX-FileCopyrightText"] == [
        "2025-2026 Zoë Núñez",
        "2025-2026 Ana Lima",
        "2025-2026 Bo",
        '2025-2026 Kwame "KB" Boateng',
    ]
    awkward = 'Back\\slash "quoted" and\x7fcontrol\x01'  # (tabs and newlines become spaces)
    record = _record(contributors=(Contributor("did:key:z6MkX", awkward, 1),))
    [annotation] = tomllib.loads(reuse_toml(record))["annotations"]
    assert annotation["SPDX-FileCopyrightText"] == [f"2025-2026 {awkward}"]


def _reuse_lint(root: Path) -> subprocess.CompletedProcess[str]:
    reuse = Path(sys.executable).parent / "reuse"
    command = [str(reuse)] if reuse.exists() else [sys.executable, "-m", "reuse"]
    return subprocess.run(
        [*command, "--root", str(root), "lint"], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("licence", ["CC-BY-SA-4.0 OR PPL", "GPL-3.0-or-later AND LicenseRef-Foo"])
def test_reuse_lint_accepts_the_tree_and_refuses_it_without_a_licence_text(
    tmp_path: Path, licence: str
) -> None:
    record = _record(licence=licence)
    reuse_tree(record, tmp_path)
    names = sorted(p.name for p in (tmp_path / "LICENSES").iterdir())
    assert names == sorted(f"{i}.txt" for i in attribution.licence_ids(licence))
    assert (tmp_path / "NOTICE").read_text("utf-8") == notice_text(record)
    spdx_file = tmp_path / attribution.spdx_file_name(record)
    assert json.loads(spdx_file.read_text("utf-8"))["spdxVersion"] == "SPDX-2.3"

    result = _reuse_lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compliant" in result.stdout
    assert "not compliant" not in result.stdout

    (tmp_path / "LICENSES" / names[0]).unlink()  # the negative control
    result = _reuse_lint(tmp_path)
    assert result.returncode != 0
    assert "not compliant" in result.stdout
    assert names[0].removesuffix(".txt") in result.stdout


# -- licences --------------------------------------------------------------------------------


def test_every_licence_of_the_table_has_its_full_text() -> None:
    for key in licences.licences():
        [spdx_id] = attribution.licence_ids(key)
        text = attribution.licence_text(spdx_id)
        assert text is not None, key
        assert len(text) > 500, key
    assert attribution.licence_text("GPL-3.0-or-later") == attribution.licence_text("GPL-3.0-only")
    assert attribution.licence_text("Unlicense") is None


def test_expressions_keep_their_structure_and_exceptions() -> None:
    assert attribution.licence_ids("(MIT OR isc) AND (PPL OR LicenseRef-Bar.1)") == (
        "MIT",
        "ISC",
        "LicenseRef-PPL",
        "LicenseRef-Bar.1",
    )
    record = _record(licence="Apache-2.0 WITH LLVM-exception OR GPL-3.0+")
    assert validate(record) == []
    declared = spdx_document(record).packages[0].license_declared
    assert str(declared) == "Apache-2.0 WITH LLVM-exception OR GPL-3.0-or-later"
    assert attribution.licence_ids(record.licence) == (
        "Apache-2.0",
        "LLVM-exception",
        "GPL-3.0-or-later",
    )


@pytest.mark.parametrize(
    "licence",
    ["Foo", "MIT OR", "DocumentRef-x:LicenseRef-y", "LicenseRef-a_b", "MIT WITH Apache-2.0", ""],
)
def test_a_licence_attribution_cannot_name_is_refused(licence: str) -> None:
    with pytest.raises(ValueError, match=r"SPDX|LicenseRef|licence"):
        spdx_document(_record(licence=licence))


def test_a_record_without_contributors_or_versions() -> None:
    alone = _record(contributors=(), sources=())
    assert validate(alone) == []
    [annotation] = tomllib.loads(reuse_toml(alone))["annotations"]
    assert annotation["SPDX-FileCopyrightText"] == [
        "2025-2026 The contributors to Solar Dryers (Valencia)"
    ]
    with pytest.raises(ValueError, match="no version"):
        notice_text(_record(versions=()))
