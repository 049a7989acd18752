"""SPDX tag-value 2.2/2.3 through spdx-tools."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.parser.tagvalue import parser as tagvalue_parser

from app.inventory.importers import spdx_tagvalue
from app.inventory.importers.base import ImporterError
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import refused

REAL = REALWORLD / "spdx" / "example1.spdx"
SAMPLE = Path(__file__).parents[2] / "data" / "inventory" / "sbom" / "device-2.3.spdx"


def package_count_minus_described(text: str) -> int:
    packages = re.findall(r"^SPDXID:\s*(\S+)", text, re.MULTILINE)[1:]  # the first SPDXID is the document
    described = set(re.findall(r"^Relationship:\s*SPDXRef-DOCUMENT\s+DESCRIBES\s+(\S+)", text, re.MULTILINE))
    names = re.findall(r"^PackageName:", text, re.MULTILINE)
    package_ids = packages[: len(names)]
    return sum(1 for ident in package_ids if ident not in described)


@pytest.mark.parametrize("path", [REAL, SAMPLE], ids=lambda path: path.name)
def test_component_count_is_packages_minus_the_described_root(path):
    expected = package_count_minus_described(path.read_text())
    assert len(spdx_tagvalue.parse(path.read_bytes()).components) == expected


def test_example1_describes_only_its_own_package():
    assert spdx_tagvalue.parse(REAL.read_bytes()).components == []


def test_sample_2_3_relationships_licences_and_purls():
    components = {c.name: c for c in spdx_tagvalue.parse(SAMPLE.read_bytes()).components}
    requests = components["requests"]
    assert (requests.version, requests.purl, requests.direct) == ("2.32.3", "pkg:pypi/requests@2.32.3", True)
    assert requests.supplier == "Python Software Foundation"
    assert requests.hashes == ("sha256:55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760",)
    urllib3 = components["urllib3"]
    assert (urllib3.direct, urllib3.parents, urllib3.licence_expression) == (
        False, ("pkg:pypi/requests@2.32.3",), "MIT")
    assert (components["pytest"].scope, components["pytest"].direct) == ("dev", True)


def test_licence_fields_share_one_licence_index():
    # spdx-tools 0.8.5 rebuilt the SPDX licence index for every licence field (~50 ms each);
    # the importer hands the tag-value parser the shared instance its JSON parser already uses.
    assert tagvalue_parser.get_spdx_licensing() is spdx_licensing
    packages = "".join(
        f"\nPackageName: p{index}\nSPDXID: SPDXRef-p{index}\nPackageVersion: 1.{index}\n"
        f"PackageDownloadLocation: NOASSERTION\nFilesAnalyzed: false\n"
        f"PackageLicenseConcluded: MIT\nPackageLicenseDeclared: Apache-2.0\n"
        for index in range(200)
    )
    text = SAMPLE.read_text().split("\nPackageName:")[0] + packages
    parsed = spdx_tagvalue.parse(text.encode())
    assert len(parsed.components) == 200
    assert {component.licence_expression for component in parsed.components} == {"MIT"}


def test_a_broken_document_names_the_line():
    text = SAMPLE.read_text().replace("PackageVersion: 2.2.3", "PackageVersion 2.2.3 ::: oops")
    error = refused(spdx_tagvalue, text.encode())
    assert str(error).startswith("spdx-tag-value:")


def test_text_without_spdx_version_is_refused():
    with pytest.raises(ImporterError):
        spdx_tagvalue.parse(b"hello world\n")


def test_trivys_packages_without_download_location_are_read_leniently_and_say_so():
    """trivy writes no PackageDownloadLocation (which SPDX requires); its JSON twin is read the same way."""
    path = DATA / "realworld" / "spdx" / "trivy-centos-7.spdx"
    text = path.read_text()
    parsed = spdx_tagvalue.parse(path.read_bytes())
    assert len(parsed.components) == package_count_minus_described(text) == 3
    found = {c.name: c for c in parsed.components}
    assert found["bash"].purl == "pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810"
    assert found["openssl-libs"].licence_expression == "OpenSSL"
    assert any("read leniently" in w and "4 packages without PackageDownloadLocation" in w for w in parsed.warnings)


def test_a_document_missing_something_the_lenient_reading_cannot_mend_is_still_refused():
    text = (DATA / "realworld" / "spdx" / "trivy-centos-7.spdx").read_text().replace("SPDXID: SPDXRef-Package-", "X: ")
    with pytest.raises(ImporterError):
        spdx_tagvalue.parse(text.encode())


def test_a_document_of_its_own_package_only_says_why_it_gives_no_components():
    """spdx/tools-python's SPDXLite.spdx describes one package (SPDX tools 2.0.3) and nothing it depends on."""
    parsed = spdx_tagvalue.parse((DATA / "realworld" / "spdx" / "tools-python-SPDXLite.spdx").read_bytes())
    assert parsed.components == []
    assert parsed.warnings == ["the document lists only the package it describes (SPDX tools), none that it depends "
                               "on or contains, so there are no components"]


def test_a_document_written_on_windows_with_crlf_line_ends_reads_as_its_json_twin():
    """spdx/tools-python's tag-value example in UTF-16 with CRLF lines: spdx-tools' grammar failed on it
    (KeyError 'Relationship'); it holds the same packages as the JSON example of the same document."""
    from app.inventory.importers import parse_file

    tagged = parse_file("SPDXTagExample-UTF-16.spdx",
                        (DATA / "realworld" / "spdx" / "tools-python-SPDXTagExample-UTF-16.spdx").read_bytes())
    twin = parse_file("SPDXJSONExample-UTF-16.spdx.json",
                      (DATA / "realworld" / "spdx" / "tools-python-SPDXJSONExample-UTF-16.spdx.json").read_bytes())
    assert tagged.format == "spdx-tag-value"
    assert [(c.name, c.version) for c in tagged.components] == [("Apache Commons Lang", ""), ("Jena", "3.12.0"),
                                                                ("Saxon", "8.8")]
    assert {(c.name, c.version) for c in tagged.components} <= {(c.name, c.version) for c in twin.components}


def test_syfts_2022_document_without_document_name_is_read_leniently():
    """syft's own decoder fixture (its 2022 output): no DocumentName, which spdx-tools requires."""
    path = DATA / "realworld" / "spdx" / "syft-2022-no-document-name.spdx"
    text = path.read_text()
    assert "DocumentName:" not in text
    parsed = spdx_tagvalue.parse(path.read_bytes())
    assert {c.name for c in parsed.components} == set(re.findall(r"^PackageName:\s*(\S+)", text, re.MULTILINE))
    assert any("read leniently: no DocumentName: read as 'unnamed'" in w for w in parsed.warnings)


@pytest.mark.parametrize("path", [REALWORLD / "spdx" / "example1.spdx",
                                  DATA / "realworld" / "spdx" / "image-reflector-controller-0.16.0.spdx"],
                         ids=lambda path: path.name)
def test_file_sections_are_left_unread_and_the_components_are_those_of_the_whole_document(path):
    """Files are not components, and spdx-tools checks each file against every relationship before it (a 3.4 MB
    source scan of 3,873 files, istio-source.spdx, took 97 s): the components are those of the full parse."""
    from spdx_tools.spdx.parser.tagvalue.parser import Parser

    from app.inventory.importers.spdx_json import records_from_document

    text, _mended = spdx_tagvalue._lenient(path.read_text())  # syft's nanosecond timestamps, as parse mends them
    assert "FileName:" in text
    whole = records_from_document(Parser(debug=False).parse(text), spdx_tagvalue.FORMAT)
    assert spdx_tagvalue.parse(path.read_bytes()).components == whole.components


def test_a_tag_inside_a_files_multi_line_text_does_not_end_the_files_section():
    text = REAL.read_text().replace("FileName: ./build/hello\n", "FileName: ./build/hello\nFileComment: <text>notes\n"
                                                                  "PackageName: not-a-package\n</text>\n", 1)
    assert "not-a-package" not in {c.name for c in spdx_tagvalue.parse(text.encode()).components}
    assert spdx_tagvalue._without_files(text).count("PackageName:") == REAL.read_text().count("PackageName:")


def test_lower_case_relationships_and_a_missing_creation_date_are_read_leniently_and_said():
    """reuse 0.13 wrote `SPDXRef-DOCUMENT describes ...`; Microsoft's sbom-tool, merging documents, no `Created:`."""
    text = re.sub(r"^Created:.*\n", "", REAL.read_text(), flags=re.MULTILINE).replace(" DESCRIBES ", " describes ")
    parsed = spdx_tagvalue.parse(text.encode())
    assert parsed.components == spdx_tagvalue.parse(REAL.read_bytes()).components
    assert "relationship types in lower case read in upper case" in parsed.warnings[0]
    assert "no Created date: the document's creation time is unknown (read as 1970-01-01)" in parsed.warnings[0]


def test_a_document_of_files_only_says_it_has_no_package():
    """A REUSE report lists files and their licences, no package."""
    text = REAL.read_text()
    files_only = text[:text.index("PackageName:")] + text[text.index("FileName:"):]
    files_only = re.sub(r"^Relationship:.*\n", "", files_only, flags=re.MULTILINE)
    parsed = spdx_tagvalue.parse(files_only.encode())
    assert parsed.components == []
    assert "the document lists no packages, only files or snippets: no component to import" in parsed.warnings


def test_tern_s_capitalised_files_analyzed_is_read_leniently_as_its_json_twin_is():
    """Tern's docs/examples/photon.spdx writes `FilesAnalyzed: False` once; spdx-tools takes only true or false."""
    parsed = spdx_tagvalue.parse((DATA / "realworld" / "spdx" / "tern-photon.spdx").read_bytes())
    assert len(parsed.components) == 37
    assert "read leniently: 1 FilesAnalyzed values read in lower case" in parsed.warnings[0]


def test_a_supplier_or_originator_without_its_type_is_read_as_a_person_and_said():
    """syft 0.33 wrote `PackageOriginator: Georg Brandl <georg@python.org>` (SPDX asks for 'Person: ...')."""
    text = REAL.read_text().replace("PackageName: hello\n", "PackageName: hello\nPackageOriginator: Georg Brandl "
                                                             "<georg@python.org>\n", 1)
    parsed = spdx_tagvalue.parse(text.encode())
    assert parsed.components == spdx_tagvalue.parse(REAL.read_bytes()).components
    assert "1 suppliers or originators without 'Person:' or 'Organization:' read as persons" in parsed.warnings[0]
